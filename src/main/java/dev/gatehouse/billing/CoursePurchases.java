package dev.gatehouse.billing;

import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A course purchase's events, recorded and applied by one SQL function
 * ({@code private.stripe_apply_course_event}, whose migration holds the rule): its payment and
 * the enrollment are a function of the SET of events held for its payment intent, so late, early
 * and repeated deliveries all end in the same rows. One statement, so one round trip and, in
 * auto-commit, one transaction: the ledger row and the rows it changes commit together.
 */
final class CoursePurchases {
    private static final String APPLY = "select private.stripe_apply_course_event(?, ?, ?, ?, ?, ?, ?::jsonb)";

    private CoursePurchases() {}

    /** Records and applies {@code event} (its object key is {@code pay:...}) in its own transaction. */
    static StripeWebhook.Outcome apply(Connection c, StripeEvent event) throws SQLException {
        return c.getAutoCommit() ? record(c, event) : Transaction.call(c, () -> record(c, event));
    }

    private static StripeWebhook.Outcome record(Connection c, StripeEvent event) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(APPLY)) {
            StripeWebhook.bind(ps, event);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? StripeWebhook.Outcome.APPLIED : StripeWebhook.Outcome.DUPLICATE;
            }
        }
    }
}
