package dev.gatehouse.auth;

import dev.gatehouse.db.Grouped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Users' statuses read from {@code auth.users} on a lane of its own ({@link Grouped}), every read waiting at
 * that moment in one round trip. The reads used to run on the request's virtual thread: when 10,000 streams
 * opened on two cores, that thread waited seconds for a carrier at each step of borrowing a pooled connection,
 * and Hikari's 5 s wait ran out with 17 of 20 connections idle ({@code auth_unavailable}, bench/README.md,
 * session 29). The lane is a platform thread, which the OS runs when its socket has data; a burst of users
 * missing the cache together costs one statement instead of a connection each.
 */
final class UserStatusReads implements AutoCloseable {
    /** The most a read waits for the lane to send it, as long as a request waited for a pooled connection before. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final int MAX_GROUP = 256;
    private static final String READ = """
            select deleted_at is not null, coalesce(banned_until > now(), false), is_anonymous
            from auth.users where id = ?""";
    /** One row per id, in the ids' order; an id with no user reads as deleted. */
    private static final String READ_MANY = """
            select u.id is null or u.deleted_at is not null, coalesce(u.banned_until > now(), false), coalesce(u.is_anonymous, false)
            from unnest(?::uuid[]) with ordinality as i(id, n)
            left join auth.users u on u.id = i.id
            order by i.n""";

    private final DataSource db;
    private final Grouped<UUID, UserStatus> groups;

    UserStatusReads(DataSource db) {
        this.db = db;
        this.groups = new Grouped<>("user status read", 1, MAX_GROUP, this::one, this::many);
    }

    /** The user's status; throws what the database threw, or {@code 08000} when no lane sent the read in time. */
    UserStatus read(UUID userId) throws SQLException {
        return groups.send(userId, System.nanoTime() + WAIT_NANOS,
                () -> new SQLTransientConnectionException("the user's status read was still queued after 5 s", "08000"));
    }

    private UserStatus one(UUID userId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? status(rs) : UserStatus.DELETED;
            }
        }
    }

    private List<UserStatus> many(List<UUID> userIds) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(READ_MANY)) {
            ps.setArray(1, c.createArrayOf("uuid", userIds.toArray()));
            List<UserStatus> statuses = new ArrayList<>(userIds.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    statuses.add(status(rs));
                }
            }
            if (statuses.size() != userIds.size()) {
                throw new SQLException("read " + statuses.size() + " statuses for " + userIds.size() + " users");
            }
            return statuses;
        }
    }

    private static UserStatus status(ResultSet rs) throws SQLException {
        if (rs.getBoolean(1)) {
            return UserStatus.DELETED;
        }
        if (rs.getBoolean(2)) {
            return UserStatus.BANNED;
        }
        return rs.getBoolean(3) ? UserStatus.ANONYMOUS : UserStatus.ACTIVE;
    }

    /** The most reads one round trip has carried so far. */
    int largestGroup() {
        return groups.largestGroup();
    }

    @Override
    public void close() {
        groups.close();
    }
}
