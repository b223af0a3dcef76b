package dev.gatehouse.billing;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A course purchase's rows (its payment and the enrollment) as a function of the SET of events held
 * for its payment intent: paid once any completed-and-paid or async-succeeded session is held,
 * refunded by the largest {@code amount_refunded} any {@code charge.refunded} reported (Stripe's
 * refunded amount only grows). A set has no order, so late, early and repeated deliveries all end in
 * the same rows. Nothing is written until a checkout session event names the user and the course.
 */
final class CoursePurchases {
    private static final String UPSERT_PAYMENT = """
            insert into public.payments as p (user_id, course_id, kind, amount_cents, amount_refunded_cents, currency, status,
                stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, paid_at, refunded_at, stripe_event_created_at)
            values (?, ?, 'course_purchase', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (stripe_checkout_session_id) do update set
                amount_refunded_cents = excluded.amount_refunded_cents, status = excluded.status,
                stripe_payment_intent_id = excluded.stripe_payment_intent_id, stripe_charge_id = excluded.stripe_charge_id,
                paid_at = excluded.paid_at, refunded_at = excluded.refunded_at, stripe_event_created_at = excluded.stripe_event_created_at
            where (p.amount_refunded_cents, p.status, p.stripe_payment_intent_id, p.stripe_charge_id, p.paid_at, p.refunded_at, p.stripe_event_created_at)
                is distinct from (excluded.amount_refunded_cents, excluded.status, excluded.stripe_payment_intent_id, excluded.stripe_charge_id,
                                  excluded.paid_at, excluded.refunded_at, excluded.stripe_event_created_at)""";
    // A full refund revokes the enrollment whatever its state; otherwise a completed course stays completed.
    private static final String UPSERT_ENROLLMENT = """
            insert into public.enrollments as e (student_id, course_id, status) values (?, ?, ?)
            on conflict (student_id, course_id) do update set status =
                case when excluded.status = 'refunded' then 'refunded' when e.status = 'completed' then 'completed' else excluded.status end
            where e.status is distinct from
                case when excluded.status = 'refunded' then 'refunded' when e.status = 'completed' then 'completed' else excluded.status end""";

    private CoursePurchases() {}

    static void fold(Connection c, List<StripeEvent> events) throws SQLException {
        Optional<StripeEvent> anchor = events.stream().filter(e -> e.type().startsWith("checkout.session."))
                .min(Comparator.comparing(StripeEvent::id));
        if (anchor.isEmpty()) {
            return; // a refund that overtook its checkout: kept in the ledger, folded in when the checkout arrives
        }
        JsonNode session = anchor.get().object();
        UUID userId = Ids.uuid(session.path("metadata").path("user_id").asText(session.path("client_reference_id").asText(null)));
        UUID courseId = Ids.uuid(session.path("metadata").path("course_id").asText(null));
        Course course = course(c, userId, courseId);
        if (!course.userExists()) {
            throw StripeWebhook.unprocessable("unknown_user", "The checkout session's metadata.user_id names no user of this platform.");
        }
        if (course.priceCents() < 0) {
            throw StripeWebhook.unprocessable("unknown_course", "The checkout session's metadata.course_id names no course of this platform.");
        }
        long subtotal = session.path("amount_subtotal").asLong(-1);
        String currency = session.path("currency").asText("");
        if (subtotal != course.priceCents() || !currency.equalsIgnoreCase(course.currency())) {
            throw StripeWebhook.unprocessable("amount_mismatch", "The session charged " + subtotal + " " + currency + " for a course priced "
                    + course.priceCents() + " " + course.currency() + ".");
        }
        long amount = session.path("amount_total").asLong();

        Instant paidAt = events.stream().filter(CoursePurchases::isPaid).map(StripeEvent::created).min(Comparator.naturalOrder()).orElse(null);
        boolean failed = paidAt == null && events.stream().anyMatch(e -> e.type().equals("checkout.session.async_payment_failed"));
        List<StripeEvent> refunds = events.stream().filter(e -> e.type().equals("charge.refunded")).toList();
        long refunded = Math.min(amount, refunds.stream().mapToLong(e -> e.object().path("amount_refunded").asLong()).max().orElse(0));
        String chargeId = refunds.stream().map(e -> StripeEvent.text(e.object(), "id")).filter(java.util.Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(null);
        boolean full = paidAt != null && amount > 0 && refunded >= amount;
        Instant refundedAt = full ? refunds.stream().filter(e -> e.object().path("amount_refunded").asLong() >= amount)
                .map(StripeEvent::created).min(Comparator.naturalOrder()).orElse(null) : null;
        String status = paidAt == null ? (failed ? "failed" : "pending") : full ? "refunded" : refunded > 0 ? "partially_refunded" : "succeeded";
        Instant newest = events.stream().map(StripeEvent::created).max(Comparator.naturalOrder()).orElseThrow();

        try (PreparedStatement ps = c.prepareStatement(UPSERT_PAYMENT)) {
            ps.setObject(1, userId);
            ps.setObject(2, courseId);
            ps.setLong(3, amount);
            ps.setLong(4, paidAt == null ? 0 : refunded);
            ps.setString(5, currency.toLowerCase(java.util.Locale.ROOT));
            ps.setString(6, status);
            ps.setString(7, StripeEvent.text(session, "id"));
            ps.setString(8, StripeEvent.idOf(session.path("payment_intent")));
            ps.setString(9, chargeId);
            ps.setTimestamp(10, Ids.timestamp(paidAt));
            ps.setTimestamp(11, Ids.timestamp(refundedAt));
            ps.setTimestamp(12, Timestamp.from(newest));
            ps.executeUpdate();
        }
        if (paidAt != null) {
            try (PreparedStatement ps = c.prepareStatement(UPSERT_ENROLLMENT)) {
                ps.setObject(1, userId);
                ps.setObject(2, courseId);
                ps.setString(3, full ? "refunded" : "active");
                ps.executeUpdate();
            }
        }
    }

    /** {@code no_payment_required} counts: a 100 % coupon is a completed purchase. {@code unpaid} waits for the async result. */
    private static boolean isPaid(StripeEvent e) {
        String ps = e.object().path("payment_status").asText("");
        return switch (e.type()) {
            case "checkout.session.completed" -> ps.equals("paid") || ps.equals("no_payment_required");
            case "checkout.session.async_payment_succeeded" -> true;
            default -> false;
        };
    }

    /** @param priceCents -1 when the course does not exist */
    private record Course(boolean userExists, long priceCents, String currency) {}

    /** The user's existence and the course's price in one round trip. */
    private static Course course(Connection c, UUID userId, UUID courseId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select exists (select 1 from public.profiles where id = ?),
                       coalesce((select price_cents from public.courses where id = ?), -1),
                       (select currency from public.courses where id = ?)""")) {
            ps.setObject(1, userId);
            ps.setObject(2, courseId);
            ps.setObject(3, courseId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Course(rs.getBoolean(1), rs.getLong(2), rs.getString(3));
            }
        }
    }

    static boolean exists(Connection c, String sql, Object param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
