package dev.gatehouse.quota;

import dev.gatehouse.db.Grouped;
import dev.gatehouse.quota.QuotaGate.Ask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Quota lease takes in groups (migration 20261207100000), through the same {@link Grouped} as
 * {@link GroupAdmission}: one lane takes every lease take waiting at that moment (up to {@link #MAX_GROUP}) and
 * sends them in one round trip and one transaction ({@code private.ai_lease_many}); a take that finds the lane
 * idle goes alone ({@code private.ai_lease}). Before, each take held a lane for its whole round trip, so when
 * round trips stretched (10,000 streams opening on two shared cores) 4 lanes served a few dozen takes a second
 * and the users behind them were refused after 10 s; grouped, the takes a round trip carries grow with the queue.
 *
 * <p>The caller keeps its deadline: a take still queued when it passes is withdrawn and fails closed
 * ({@code 08000}, 503 {@code quota_unavailable}); a take already sent is always waited for, so a lease
 * Postgres granted is never left unused with its first request reserved. A group that fails for any reason
 * but an unreachable database is retried one take at a time, so one user's problem never refuses the others.
 */
final class LeaseTakes implements AutoCloseable {
    private static final String LEASE = "select * from private.ai_lease(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String LEASE_MANY = "select * from private.ai_lease_many(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /**
     * Groups in flight at once: one. Every group of a stream ramp holds most of the active users' period rows,
     * so a second lane's group waited on the first's row locks while holding its own (quick runs with 4 lanes
     * refused 12-967 of 10,000 streams; with one, none: bench/README.md, session 22). One lane also leaves the
     * flusher and the settler their pooled connections.
     */
    static final int LANES = 1;
    static final int MAX_GROUP = 64;

    /** One of the user's older leases as a take sends it: cumulative figures, so sending one twice changes nothing. */
    record Old(UUID id, int used, int returned, long tokensReturned, int streamsReturned, int refunded, long charged) {}

    /** A take: the request that needs it, the lease's id and size, and the user's older leases to settle first. */
    record Ask1(Ask ask, UUID leaseId, int block, int streams, List<Old> old) {}

    /** Postgres' answer to one take: the admission's figures and, when admitted, what the lease holds and its plan's rules. */
    record Answer(boolean admitted, String reason, int retryAfterSeconds, Limits limits, int grantedOutputTokens, double rateTokens,
            int leaseRequests, long leaseTokens, int leaseStreams, int maxOutputTokens, Set<String> models, Set<String> tasks,
            boolean rawChat) {}

    private final DataSource db;
    private final Grouped<Ask1, Answer> groups;

    LeaseTakes(DataSource db) {
        this.db = db;
        this.groups = new Grouped<>("quota lease take", LANES, MAX_GROUP, this::one, this::many);
    }

    /**
     * Queues {@code t}'s lease take for the lane without waiting: its answer completes on the lane, so what
     * follows it (the user's queued requests served from the new lease) runs there. {@link Grouped.Pending#withdraw}
     * takes it back while it is still queued.
     */
    Grouped.Pending<Answer> submit(Ask1 t) {
        return groups.submit(t);
    }

    private Answer one(Ask1 t) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LEASE)) {
            GroupAdmission.bindAsk(ps, t.ask(), t.leaseId());
            ps.setInt(9, t.block());
            ps.setNull(10, java.sql.Types.BIGINT); // tokens for the block: each further request like this one
            ps.setInt(11, t.streams());
            bindOld(c, ps, t.old());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return read(rs);
            }
        }
    }

    private List<Answer> many(List<Ask1> takes) throws SQLException {
        int n = takes.size();
        List<Integer> oldSlots = new ArrayList<>();
        List<Old> old = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (Old o : takes.get(i).old()) {
                oldSlots.add(i + 1);
                old.add(o);
            }
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(LEASE_MANY)) {
            GroupAdmission.bindAsks(c, ps, takes.stream().map(Ask1::ask).toList(), i -> takes.get(i).leaseId());
            ps.setArray(9, GroupAdmission.array(c, "int4", n, i -> takes.get(i).block()));
            ps.setArray(10, GroupAdmission.array(c, "int4", n, i -> takes.get(i).streams()));
            ps.setArray(11, GroupAdmission.array(c, "int4", old.size(), oldSlots::get));
            bindOld(c, ps, old);
            return GroupAdmission.bySlot(ps, n, "ai_lease_many", (rs, slot) -> read(rs));
        }
    }

    /** Parameters 12-18 of {@code ai_lease} and {@code ai_lease_many}: the older leases to settle, one array per figure. */
    private static void bindOld(Connection c, PreparedStatement ps, List<Old> old) throws SQLException {
        int m = old.size();
        ps.setArray(12, GroupAdmission.array(c, "uuid", m, i -> old.get(i).id()));
        ps.setArray(13, GroupAdmission.array(c, "int4", m, i -> old.get(i).used()));
        ps.setArray(14, GroupAdmission.array(c, "int4", m, i -> old.get(i).returned()));
        ps.setArray(15, GroupAdmission.array(c, "int8", m, i -> old.get(i).tokensReturned()));
        ps.setArray(16, GroupAdmission.array(c, "int4", m, i -> old.get(i).streamsReturned()));
        ps.setArray(17, GroupAdmission.array(c, "int4", m, i -> old.get(i).refunded()));
        ps.setArray(18, GroupAdmission.array(c, "int8", m, i -> old.get(i).charged()));
    }

    private static Answer read(ResultSet rs) throws SQLException {
        Limits limits = GroupAdmission.limits(rs);
        boolean admitted = rs.getBoolean("admitted");
        return new Answer(admitted, rs.getString("reason"), rs.getInt("retry_after_seconds"), limits, rs.getInt("granted_output_tokens"),
                rs.getDouble("rate_tokens"), rs.getInt("lease_requests"), rs.getLong("lease_tokens"), rs.getInt("lease_streams"),
                rs.getInt("max_output_tokens"), GroupAdmission.texts(rs, "allowed_models"), GroupAdmission.texts(rs, "allowed_tasks"), rs.getBoolean("allow_raw_chat"));
    }

    /** The most takes one round trip has carried so far. */
    int largestGroup() {
        return groups.largestGroup();
    }

    /** Stops the lanes; takes from now on go alone. Waiting takes are sent first. */
    @Override
    public void close() {
        groups.close();
    }
}
