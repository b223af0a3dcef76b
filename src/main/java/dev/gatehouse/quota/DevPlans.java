package dev.gatehouse.quota;

import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Dev-mode shortcuts for trying plans, written as the real rows admission reads, so what a developer
 * sees is what a paying user would get. The command line refuses them outside dev mode: in production
 * only Stripe's webhooks write subscriptions.
 * <ul>
 * <li>{@link #putOnPlan}: ends the user's live subscriptions and, for a paid plan, adds an
 * {@code active} one whose current period starts now and lasts a month ({@code stripe_subscription_id}
 * {@code sub_dev_...}, so it is never mistaken for one of Stripe's).</li>
 * <li>{@link #resetUsage}: a live subscription's period restarts now; the usage row of the period in
 * force (on free, the calendar month) is removed, so the next request opens a fresh one. The
 * {@code public.ai_usage} ledger keeps its history.</li>
 * </ul>
 */
public final class DevPlans {
    private static final String LIVE = "status in ('active', 'trialing', 'past_due')";
    private static final String SUMMARY = "select * from private.ai_usage_summary(?)";

    private DevPlans() {}

    /** The plans that exist, cheapest first. */
    public static List<String> planIds(Connection c) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select id from public.plans order by sort_order, price_cents, id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** Puts the user on {@code planId} in one transaction and returns what admission now sees. */
    public static UsageSummary putOnPlan(Connection c, UUID userId, String planId) throws SQLException {
        Transaction.run(c, () -> {
            try (PreparedStatement end = c.prepareStatement("update public.subscriptions set status = 'canceled', canceled_at = now(), "
                    + "current_period_end = least(current_period_end, now()) where user_id = ? and " + LIVE)) {
                end.setObject(1, userId);
                end.executeUpdate();
            }
            if (!planId.equals("free")) {
                try (PreparedStatement add = c.prepareStatement("""
                        insert into public.subscriptions (user_id, plan_id, status, stripe_subscription_id,
                                                          current_period_start, current_period_end)
                        values (?, ?, 'active', 'sub_dev_' || replace(gen_random_uuid()::text, '-', ''), now(), now() + interval '1 month')""")) {
                    add.setObject(1, userId);
                    add.setString(2, planId);
                    add.executeUpdate();
                }
            }
        });
        return summary(c, userId);
    }

    /** Starts a fresh usage period for the user, in one transaction, and returns what admission now sees. */
    public static UsageSummary resetUsage(Connection c, UUID userId) throws SQLException {
        Transaction.run(c, () -> {
            try (PreparedStatement roll = c.prepareStatement("update public.subscriptions set current_period_start = now(), "
                    + "current_period_end = now() + interval '1 month' where user_id = ? and " + LIVE
                    + " and current_period_start <= now() and now() < current_period_end")) {
                roll.setObject(1, userId);
                roll.executeUpdate();
            }
            try (PreparedStatement clear = c.prepareStatement(
                    "delete from private.ai_quota_periods where user_id = ? and period_start <= now() and now() < period_end")) {
                clear.setObject(1, userId);
                clear.executeUpdate();
            }
        });
        return summary(c, userId);
    }

    private static UsageSummary summary(Connection c, UUID userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SUMMARY)) {
            ps.setObject(1, userId);
            return UsageSummary.read(ps).orElseThrow(() -> new IllegalStateException("no usage summary for " + userId));
        }
    }
}
