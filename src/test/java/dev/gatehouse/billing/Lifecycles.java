package dev.gatehouse.billing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.support.Postgrest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Realistic event sequences, in the order Stripe emits them, for one user: a course purchase (with
 * an async payment), a refund (partial, then full in the same second) and a subscription's life
 * (same-second cancel toggles, an upgrade, a renewal that fails then succeeds).
 */
final class Lifecycles {
    static final long T0 = 1_780_000_000L; // 2026-05-28, whole seconds as Stripe sends them
    static final long MONTH = 30L * 86400;
    static final String PRO_PRICE = "price_1QtestPro000000000000";
    static final String ENTERPRISE_PRICE = "price_1QtestEnterprise00000";
    /** The seed's published paid course "Building AI Agents", 49.00 USD. */
    static final UUID PAID_COURSE = UUID.fromString("c0000000-0000-4000-8000-000000000002");
    static final long PAID_COURSE_PRICE = 4900;

    private Lifecycles() {}

    /** Gives the seed's plans Stripe prices, as an operator does once per Stripe account. */
    static void pricePlans(DataSource db) throws SQLException {
        try (Connection c = db.getConnection()) {
            Postgrest.update(c, "update public.plans set stripe_price_id = ? where id = 'pro'", PRO_PRICE);
            Postgrest.update(c, "update public.plans set stripe_price_id = ? where id = 'enterprise'", ENTERPRISE_PRICE);
        }
    }

    /** checkout completed with payment_status unpaid (a bank debit), then async_payment_succeeded; plus the events only recorded. */
    static List<String> coursePurchase(UUID user) {
        String session = StripeObjects.id("cs_test");
        String pi = StripeObjects.id("pi");
        String customer = StripeObjects.id("cus");
        List<String> out = new ArrayList<>();
        out.add(StripeObjects.event(StripeObjects.id("evt"), "payment_intent.created", T0, pi(pi), null));
        out.add(StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", T0 + 1,
                StripeObjects.paymentSession(session, pi, customer, user, PAID_COURSE, PAID_COURSE_PRICE, "usd", "unpaid", T0), null));
        out.add(StripeObjects.event(StripeObjects.id("evt"), "checkout.session.async_payment_succeeded", T0 + 1,
                StripeObjects.paymentSession(session, pi, customer, user, PAID_COURSE, PAID_COURSE_PRICE, "usd", "paid", T0), null));
        return out;
    }

    /** A paid checkout, a partial refund, and the rest refunded in the same second. */
    static List<String> refundedPurchase(UUID user) {
        String session = StripeObjects.id("cs_test");
        String pi = StripeObjects.id("pi");
        String charge = StripeObjects.id("ch");
        String customer = StripeObjects.id("cus");
        return List.of(
                StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", T0,
                        StripeObjects.paymentSession(session, pi, customer, user, PAID_COURSE, PAID_COURSE_PRICE, "usd", "paid", T0), null),
                StripeObjects.event(StripeObjects.id("evt"), "charge.refunded", T0 + 600,
                        StripeObjects.refundedCharge(charge, pi, customer, PAID_COURSE_PRICE, 1000, T0), null),
                StripeObjects.event(StripeObjects.id("evt"), "charge.refunded", T0 + 600,
                        StripeObjects.refundedCharge(charge, pi, customer, PAID_COURSE_PRICE, PAID_COURSE_PRICE, T0), null));
    }

    /** Start on pro, toggle cancel-at-period-end twice in one second, upgrade, renew, fail, recover: ends active on enterprise, P2. */
    static List<String> subscriptionLife(UUID user) {
        Sub s = new Sub(user);
        List<String> out = new ArrayList<>();
        String in1 = StripeObjects.id("in");
        String in2 = StripeObjects.id("in");
        out.add(StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", T0 + 2,
                StripeObjects.subscriptionSession(StripeObjects.id("cs_test"), s.id, in1, s.customer, user, "pro", 1900, "usd", T0), null));
        out.add(s.event("customer.subscription.created", T0, "pro", PRO_PRICE, "incomplete", T0, false, in1, null));
        out.add(StripeObjects.event(StripeObjects.id("evt"), "invoice.paid", T0 + 1,
                StripeObjects.invoice(in1, s.id, s.customer, PRO_PRICE, 1900, "paid", "subscription_create", T0, T0 + MONTH, T0 + 1), null));
        out.add(s.event("customer.subscription.updated", T0 + 1, "pro", PRO_PRICE, "active", T0, false, in1, prev("status", "incomplete")));
        ObjectNode capOn = prev("cancel_at_period_end", false);
        capOn.putNull("cancel_at");
        capOn.putNull("canceled_at");
        out.add(s.event("customer.subscription.updated", T0 + 300, "pro", PRO_PRICE, "active", T0, true, in1, capOn));
        ObjectNode capOff = prev("cancel_at_period_end", true);
        capOff.put("cancel_at", T0 + MONTH);
        out.add(s.event("customer.subscription.updated", T0 + 300, "pro", PRO_PRICE, "active", T0, false, in1, capOff));
        out.add(s.event("customer.subscription.updated", T0 + 900, "enterprise", ENTERPRISE_PRICE, "active", T0, false, in1,
                StripeEvent.JSON.createObjectNode().set("items", StripeEvent.JSON.createObjectNode().put("object", "list"))));
        long renew = T0 + MONTH;
        out.add(s.event("customer.subscription.updated", renew, "enterprise", ENTERPRISE_PRICE, "active", renew, false, in2, prev("latest_invoice", in1)));
        out.add(StripeObjects.event(StripeObjects.id("evt"), "invoice.payment_failed", renew,
                StripeObjects.invoice(in2, s.id, s.customer, ENTERPRISE_PRICE, 9900, "open", "subscription_cycle", renew, renew + MONTH, renew), null));
        out.add(s.event("customer.subscription.updated", renew, "enterprise", ENTERPRISE_PRICE, "past_due", renew, false, in2, prev("status", "active")));
        out.add(StripeObjects.event(StripeObjects.id("evt"), "invoice.paid", renew + 3600,
                StripeObjects.invoice(in2, s.id, s.customer, ENTERPRISE_PRICE, 9900, "paid", "subscription_cycle", renew, renew + MONTH, renew + 3600), null));
        out.add(s.event("customer.subscription.updated", renew + 3600, "enterprise", ENTERPRISE_PRICE, "active", renew, false, in2, prev("status", "past_due")));
        return out;
    }

    /** Started, then in ONE second: the renewal, its failed payment (past_due) and a cancel at period end. Ends past_due, canceling. */
    static List<String> failedRenewalAndCancelInOneSecond(UUID user) {
        Sub s = new Sub(user);
        String in1 = StripeObjects.id("in");
        String in2 = StripeObjects.id("in");
        long renew = T0 + MONTH;
        ObjectNode capOn = prev("cancel_at_period_end", false);
        capOn.putNull("cancel_at");
        capOn.putNull("canceled_at");
        return List.of(
                s.event("customer.subscription.created", T0, "pro", PRO_PRICE, "active", T0, false, in1, null),
                s.event("customer.subscription.updated", renew, "pro", PRO_PRICE, "active", renew, false, in2, prev("latest_invoice", in1)),
                StripeObjects.event(StripeObjects.id("evt"), "invoice.payment_failed", renew,
                        StripeObjects.invoice(in2, s.id, s.customer, PRO_PRICE, 1900, "open", "subscription_cycle", renew, renew + MONTH, renew), null),
                s.event("customer.subscription.updated", renew, "pro", PRO_PRICE, "past_due", renew, false, in2, prev("status", "active")),
                s.event("customer.subscription.updated", renew, "pro", PRO_PRICE, "past_due", renew, true, in2, capOn));
    }

    static ObjectNode prev(String field, Object value) {
        ObjectNode p = StripeEvent.JSON.createObjectNode();
        switch (value) {
            case Boolean b -> p.put(field, b);
            case String t -> p.put(field, t);
            default -> throw new IllegalArgumentException(String.valueOf(value));
        }
        return p;
    }

    /** One subscription's fixed ids. */
    static final class Sub {
        final String id = StripeObjects.id("sub");
        final String item = StripeObjects.id("si");
        final String customer = StripeObjects.id("cus");
        final UUID user;

        Sub(UUID user) {
            this.user = user;
        }

        String event(String type, long created, String plan, String price, String status, long periodStart, boolean cap, String latestInvoice,
                ObjectNode previous) {
            long amount = plan.equals("pro") ? 1900 : 9900;
            Long canceledAt = cap || status.equals("canceled") ? created : null;
            return StripeObjects.event(StripeObjects.id("evt"), type, created, StripeObjects.subscription(id, item, customer, user, plan, price, amount,
                    status, periodStart, periodStart + MONTH, cap, canceledAt, latestInvoice, T0), previous);
        }
    }

    private static ObjectNode pi(String id) {
        ObjectNode p = StripeEvent.JSON.createObjectNode();
        p.put("id", id).put("object", "payment_intent").put("amount", PAID_COURSE_PRICE).put("currency", "usd").put("status", "requires_payment_method");
        return p;
    }
}
