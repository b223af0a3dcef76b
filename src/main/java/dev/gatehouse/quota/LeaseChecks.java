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
 * Checks busy quota leases before their life runs out (migration 20261208100100): for many leases in one
 * read-only round trip, whether each lease's row still exists and the plan rules and billing period it would
 * be taken under now. {@link QuotaLeases} lets a lease whose answer matches what it carries admit for another
 * {@link QuotaLeases#LIFE_NANOS} from the moment the check was sent, and retires the others.
 */
final class LeaseChecks {
    private static final String RULES = "select * from private.ai_lease_rules(?, ?)";

    /** A lease to check, and the user it belongs to. */
    record Check(UUID leaseId, UUID userId) {}

    /** Postgres' answer for one lease: its row exists ({@code held}), and the rules and period in force now. */
    record Answer(boolean held, QuotaLeases.Rules rules, Instant periodStart, Instant periodEnd) {}

    private LeaseChecks() {}

    /** One answer per check, in order; throws what the database threw (the leases then retire at their life, as unchecked). */
    static List<Answer> run(DataSource db, List<Check> checks) throws SQLException {
        int n = checks.size();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(RULES)) {
            ps.setArray(1, GroupAdmission.array(c, "uuid", n, i -> checks.get(i).leaseId()));
            ps.setArray(2, GroupAdmission.array(c, "uuid", n, i -> checks.get(i).userId()));
            return GroupAdmission.bySlot(ps, n, "ai_lease_rules", (rs, slot) -> read(rs));
        }
    }

    private static Answer read(ResultSet rs) throws SQLException {
        String plan = rs.getString("plan_id");
        if (plan == null) { // the plan in force has no row (deleted): no lease could be taken under it
            return new Answer(false, null, null, null);
        }
        QuotaLeases.Rules rules = new QuotaLeases.Rules(plan, rs.getInt("requests_per_minute"), (Integer) rs.getObject("monthly_request_limit"),
                (Long) rs.getObject("monthly_token_limit"), rs.getInt("max_output_tokens"), GroupAdmission.texts(rs, "allowed_models"),
                GroupAdmission.texts(rs, "allowed_tasks"), rs.getBoolean("allow_raw_chat"));
        return new Answer(rs.getBoolean("lease_held"), rules, rs.getTimestamp("period_start").toInstant(),
                rs.getTimestamp("period_end").toInstant());
    }
}
