package dev.gatehouse.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * Users' {@link UserStatus} from {@code auth.users}, remembered for {@link #DEFAULT_TTL_SECONDS} seconds per
 * user, so a session's requests cost a map lookup and the database sees at most one indexed read per user
 * and interval on each instance. The bound this buys: a user deleted, banned or made anonymous is refused by
 * every instance within that interval; AI admission refuses a deleted user at once regardless (its rows
 * reference {@code auth.users}).
 */
public final class AuthUserStatuses implements UserStatusLookup {
    public static final int DEFAULT_TTL_SECONDS = 30;
    /** About 10 MB at most; past it, expired entries go first, then everything. */
    static final int MAX_ENTRIES = 100_000;
    private static final String READ = """
            select deleted_at is not null, coalesce(banned_until > now(), false), is_anonymous
            from auth.users where id = ?""";

    private record Entry(UserStatus status, long expiresAtNanos) {}

    private final UserStatusLookup database;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, CompletableFuture<UserStatus>> inFlight = new ConcurrentHashMap<>();

    AuthUserStatuses(UserStatusLookup database, long ttlNanos, LongSupplier nanoTime) {
        this.database = database;
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
    }

    public static AuthUserStatuses of(DataSource db) {
        return new AuthUserStatuses(userId -> read(db, userId), DEFAULT_TTL_SECONDS * 1_000_000_000L, System::nanoTime);
    }

    @Override
    public UserStatus of(UUID userId) throws SQLException {
        long now = nanoTime.getAsLong();
        Entry e = entries.get(userId);
        if (e != null && now - e.expiresAtNanos() < 0) {
            return e.status();
        }
        UserStatus status = readOnce(userId);
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(old -> now - old.expiresAtNanos() >= 0);
            if (entries.size() > MAX_ENTRIES * 3 / 4) {
                entries.clear();
            }
        }
        entries.put(userId, new Entry(status, now + ttlNanos));
        return status;
    }

    /**
     * One read per user at a time: callers that miss together (a user's first requests, thousands of
     * streams opened at once) share the one in flight instead of each taking a pooled connection.
     * A failed read fails every caller that shared it (fail closed).
     */
    private UserStatus readOnce(UUID userId) throws SQLException {
        CompletableFuture<UserStatus> mine = new CompletableFuture<>();
        CompletableFuture<UserStatus> running = inFlight.putIfAbsent(userId, mine);
        if (running != null) {
            try {
                return running.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof SQLException sql ? sql : new SQLException("reading the user's status failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while reading the user's status", e);
            }
        }
        try {
            UserStatus status = database.of(userId);
            mine.complete(status);
            return status;
        } catch (SQLException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(userId, mine);
        }
    }

    private static UserStatus read(DataSource db, UUID userId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(READ)) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getBoolean(1)) {
                    return UserStatus.DELETED;
                }
                if (rs.getBoolean(2)) {
                    return UserStatus.BANNED;
                }
                return rs.getBoolean(3) ? UserStatus.ANONYMOUS : UserStatus.ACTIVE;
            }
        }
    }
}
