package dev.gatehouse.quota;

import dev.gatehouse.db.Grouped;
import dev.gatehouse.quota.QuotaGate.Ask;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * Admission like group commit: a few lanes each take whatever admissions are waiting and admit
 * them in one round trip and one transaction ({@code private.ai_admit_many}); a caller that finds a
 * lane free goes alone ({@code private.ai_admit}). Under load the groups grow by themselves, so
 * Postgres pays a call, a transaction and a pooled connection per group instead of per request.
 * Each admission inside a group is the same {@code ai_admit}, so limits stay exact (see the
 * migration). The lanes, the fallback to one by one and the deadlock retry are {@link Grouped}'s.
 */
final class GroupAdmission implements AutoCloseable {
    private static final String ADMIT = "select * from private.ai_admit(?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String ADMIT_MANY = "select * from private.ai_admit_many(?, ?, ?, ?, ?, ?, ?, ?)";
    static final int MAX_GROUP = 64;
    /** How long a caller waits for its lane before failing closed; far above any healthy admission. */
    private static final long WAIT_SECONDS = 30;

    private final DataSource db;
    private final Grouped<Ask, Admission> groups;

    /** @param lanes how many groups may be in flight at once (each holds one pooled connection); 0: every caller alone */
    GroupAdmission(DataSource db, int lanes) {
        this.db = db;
        this.groups = new Grouped<>("quota admission", lanes, MAX_GROUP, this::one, this::many);
    }

    /** Admits {@code ask}; throws what the database threw (the gate decides what the caller hears). */
    Admission admit(Ask ask) throws SQLException {
        return groups.send(ask, System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS),
                () -> new SQLTransientConnectionException("no admission lane answered within " + WAIT_SECONDS + " s"));
    }

    private Admission one(Ask ask) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ADMIT)) {
            bindAsk(ps, ask, ask.requestId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return read(rs, ask);
            }
        }
    }

    private List<Admission> many(List<Ask> asks) throws SQLException {
        int n = asks.size();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ADMIT_MANY)) {
            bindAsks(c, ps, asks, i -> asks.get(i).requestId());
            return bySlot(ps, n, "ai_admit_many", (rs, slot) -> read(rs, asks.get(slot)));
        }
    }

    /**
     * Parameters 1-8 of {@code ai_admit} and {@code ai_lease}: the user, {@code id} (the request's, or the
     * lease's), the model, the task, streaming or not, prompt tokens, the output tokens asked for, the API key.
     */
    static void bindAsk(PreparedStatement ps, Ask ask, UUID id) throws SQLException {
        ps.setObject(1, ask.userId());
        ps.setObject(2, id);
        ps.setString(3, ask.model());
        ps.setString(4, ask.task());
        ps.setBoolean(5, ask.stream());
        ps.setInt(6, ask.promptTokens());
        ps.setObject(7, ask.requestedOutputTokens(), java.sql.Types.INTEGER);
        ps.setObject(8, ask.apiKeyId());
    }

    /** The same parameters as arrays, one element per ask, for {@code ai_admit_many} and {@code ai_lease_many}. */
    static void bindAsks(Connection c, PreparedStatement ps, List<Ask> asks, IntFunction<Object> id) throws SQLException {
        int n = asks.size();
        ps.setArray(1, array(c, "uuid", n, i -> asks.get(i).userId()));
        ps.setArray(2, array(c, "uuid", n, id));
        ps.setArray(3, array(c, "text", n, i -> asks.get(i).model()));
        ps.setArray(4, array(c, "text", n, i -> asks.get(i).task()));
        ps.setArray(5, array(c, "bool", n, i -> asks.get(i).stream()));
        ps.setArray(6, array(c, "int4", n, i -> asks.get(i).promptTokens()));
        ps.setArray(7, array(c, "int4", n, i -> asks.get(i).requestedOutputTokens()));
        ps.setArray(8, array(c, "uuid", n, i -> asks.get(i).apiKeyId()));
    }

    /** Reads one row of a statement that answers many, for its 0-based slot. */
    interface SlotRow<A> {
        A read(ResultSet rs, int slot) throws SQLException;
    }

    /**
     * The answers of a statement that carries {@code n} rows at once, one per 1-based {@code slot} column, in
     * slot order; fails (XX000) when {@code function} answered fewer, so no caller is left without one.
     */
    static <A> List<A> bySlot(PreparedStatement ps, int n, String function, SlotRow<A> row) throws SQLException {
        List<A> answers = new ArrayList<>(Collections.nCopies(n, null));
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                int slot = rs.getInt("slot") - 1;
                answers.set(slot, row.read(rs, slot));
            }
        }
        if (answers.contains(null)) {
            throw new SQLException(function + " answered fewer rows than it was asked", "XX000");
        }
        return List.copyOf(answers);
    }

    /** An SQL array of {@code n} values of {@code type} (the round trips that carry many rows at once). */
    static Array array(Connection c, String type, int n, IntFunction<Object> value) throws SQLException {
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            values[i] = value.apply(i);
        }
        return c.createArrayOf(type, values);
    }

    private static Admission read(ResultSet rs, Ask ask) throws SQLException {
        Limits limits = limits(rs);
        if (rs.getBoolean("admitted")) {
            return new Admission.Admitted(ask.requestId(), rs.getInt("granted_output_tokens"), limits);
        }
        return new Admission.Rejected(Admission.Reason.of(rs.getString("reason")), rs.getInt("retry_after_seconds"), limits);
    }

    /** The figures of an admission row ({@code ai_admit}, {@code ai_admit_many}, {@code ai_lease}). */
    static Limits limits(ResultSet rs) throws SQLException {
        return new Limits(
                rs.getString("plan_id"),
                rs.getInt("rpm_limit"),
                rs.getInt("rpm_remaining"),
                rs.getDouble("rpm_reset_seconds"),
                instant(rs.getTimestamp("period_start")),
                instant(rs.getTimestamp("period_end")),
                (Integer) rs.getObject("requests_limit"),
                rs.getInt("requests_used"),
                (Long) rs.getObject("tokens_limit"),
                rs.getLong("tokens_used"));
    }

    /** A text[] column as a set (empty when null): a plan's models and tasks ({@code ai_lease}, {@code ai_lease_rules}). */
    static Set<String> texts(ResultSet rs, String column) throws SQLException {
        Array a = rs.getArray(column);
        return a == null ? Set.of() : Set.copyOf(Arrays.asList((String[]) a.getArray()));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** The most admissions one round trip has carried so far. */
    int largestGroup() {
        return groups.largestGroup();
    }

    /** Stops the lanes; admissions from now on go alone. Waiting callers are answered first. */
    @Override
    public void close() {
        groups.close();
    }
}
