package dev.gatehouse.quota;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Checks busy quota leases before their life runs out (migrations 20261208100100 and 20261209100000): for
 * many leases in one round trip, whether each lease's row still exists and the plan rules and billing period
 * it would be taken under now, the stream slots it gives back, and for a lease running low, more requests,
 * tokens and slots added to it (each grant
 * at most half of what its user has left, counted in Postgres then). {@link QuotaLeases} lets a lease whose
 * answer matches what it carries admit for another {@link QuotaLeases#LIFE_NANOS} from the moment the check
 * was sent, and retires the others; a grant is the lease's either way (a retiring lease gives it back).
 * Read-only for every lease that asks for nothing.
 */
final class LeaseChecks {
    private static final String RENEW = "select * from private.ai_lease_renew(?, ?, ?, ?, ?, ?)";

    /**
     * A lease to check, the user it belongs to, how many more requests, tokens and stream slots it asks for (0: only
     * checked), and the stream slots it has given back in all (its cumulative figure, as a flush sends it).
     */
    record Check(UUID leaseId, UUID userId, int extra, long extraTokens, int extraStreams, int streamsReturned) {}

    /**
     * Postgres' answer for one lease: its row exists ({@code held}), the rules and period in force now, and what
     * was added to it ({@code granted} requests, {@code grantedTokens} tokens, {@code grantedStreams} slots).
     */
    record Answer(boolean held, QuotaLeases.Rules rules, Instant periodStart, Instant periodEnd, int granted, long grantedTokens,
            int grantedStreams) {}

    private LeaseChecks() {}

    /** One answer per check, in order; throws what the database threw (the leases then retire at their life, as unchecked). */
    static List<Answer> run(DataSource db, List<Check> checks) throws SQLException {
        int n = checks.size();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(RENEW)) {
            ps.setArray(1, GroupAdmission.array(c, "uuid", n, i -> checks.get(i).leaseId()));
            ps.setArray(2, GroupAdmission.array(c, "uuid", n, i -> checks.get(i).userId()));
            ps.setArray(3, GroupAdmission.array(c, "int4", n, i -> checks.get(i).extra()));
            ps.setArray(4, GroupAdmission.array(c, "int8", n, i -> checks.get(i).extraTokens()));
            ps.setArray(5, GroupAdmission.array(c, "int4", n, i -> checks.get(i).extraStreams()));
            ps.setArray(6, GroupAdmission.array(c, "int4", n, i -> checks.get(i).streamsReturned()));
            return GroupAdmission.bySlot(ps, n, "ai_lease_renew", (rs, slot) -> read(rs));
        }
    }

    private static Answer read(ResultSet rs) throws SQLException {
        String plan = rs.getString("plan_id");
        if (plan == null) { // the plan in force has no row (deleted): no lease could be taken under it
            return new Answer(false, null, null, null, 0, 0, 0);
        }
        QuotaLeases.Rules rules = new QuotaLeases.Rules(plan, rs.getInt("requests_per_minute"), (Integer) rs.getObject("monthly_request_limit"),
                (Long) rs.getObject("monthly_token_limit"), rs.getInt("max_output_tokens"), GroupAdmission.texts(rs, "allowed_models"),
                GroupAdmission.texts(rs, "allowed_tasks"), rs.getBoolean("allow_raw_chat"));
        return new Answer(rs.getBoolean("lease_held"), rules, rs.getTimestamp("period_start").toInstant(),
                rs.getTimestamp("period_end").toInstant(), rs.getInt("granted"), rs.getLong("granted_tokens"), rs.getInt("granted_streams"));
    }
}
