package dev.gatehouse.billing;

import com.stripe.model.checkout.Session;
import com.stripe.param.checkout.SessionCreateParams;
import dev.gatehouse.refusal.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Checkout Sessions for a plan (a subscription) or a paid course (a one-time payment), and
 * billing-portal sessions. Each session carries the user and the target in
 * {@code client_reference_id} and {@code metadata} (copied onto the subscription or payment intent),
 * so fulfilment in {@link StripeWebhook} needs no further Stripe call.
 */
public final class Checkout {
    /** What the caller is sent to. */
    public record Started(String id, String url) {}

    private final BillingSettings settings;
    private final StripeApi stripe;
    private final DataSource db;

    /** @param stripe null when {@code STRIPE_SECRET_KEY} is not set: every call answers 503 */
    public Checkout(BillingSettings settings, StripeApi stripe, DataSource db) {
        this.settings = settings;
        this.stripe = stripe;
        this.db = db;
    }

    public Started plan(UUID userId, String email, String planId) throws SQLException {
        requireStripe();
        String price;
        try (Connection c = db.getConnection()) {
            price = one(c, "select coalesce(stripe_price_id, '') from public.plans where id = ?", planId);
            if (price == null) {
                throw Refusal.notFound("There is no plan '" + planId + "'.");
            }
            if (price.isEmpty()) {
                throw new Refusal(400, "invalid_request_error", "plan_not_for_sale", "plan", "The plan '" + planId + "' has no Stripe price.", Map.of());
            }
            // The plan admission holds the user to (the one rule, private.plan_in_force), not any row that looks live.
            String live = one(c, "select plan_id from private.plan_in_force(?) where subscription_id is not null", userId);
            if (planId.equals(live)) {
                throw new Refusal(409, "invalid_request_error", "already_subscribed", "plan", "You are already on the '" + planId + "' plan.", Map.of());
            }
            if (live != null) {
                throw new Refusal(409, "invalid_request_error", "use_billing_portal", "plan",
                        "You already subscribe to '" + live + "'; change plans in the billing portal (POST /v1/billing/portal), which prorates.", Map.of());
            }
        }
        String customer = customer(userId, email);
        SessionCreateParams params = base(userId, customer, SessionCreateParams.Mode.SUBSCRIPTION)
                .addLineItem(SessionCreateParams.LineItem.builder().setPrice(price).setQuantity(1L).build())
                .putMetadata("kind", "subscription").putMetadata("plan", planId)
                .setSubscriptionData(SessionCreateParams.SubscriptionData.builder()
                        .putMetadata("user_id", userId.toString()).putMetadata("plan", planId).build())
                .build();
        Session s = stripe.createCheckout(params);
        return new Started(s.getId(), s.getUrl());
    }

    public Started course(UUID userId, String email, UUID courseId) throws SQLException {
        requireStripe();
        long price;
        String currency;
        String title;
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("select price_cents, currency, title, is_published from public.courses where id = ?")) {
            ps.setObject(1, courseId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(4)) {
                    throw new Refusal(404, "invalid_request_error", "course_not_found", "course_id", "There is no published course " + courseId + ".", Map.of());
                }
                price = rs.getLong(1);
                currency = rs.getString(2);
                title = rs.getString(3);
            }
            if (price == 0) {
                throw new Refusal(400, "invalid_request_error", "course_is_free", "course_id",
                        "The course is free: enroll directly (insert into public.enrollments) instead of paying.", Map.of());
            }
            if (one(c, "select status from public.enrollments where student_id = ? and course_id = ? and status in ('active', 'completed')",
                    userId, courseId) != null) {
                throw new Refusal(409, "invalid_request_error", "already_enrolled", "course_id", "You are already enrolled in this course.", Map.of());
            }
        }
        String customer = customer(userId, email);
        SessionCreateParams params = base(userId, customer, SessionCreateParams.Mode.PAYMENT)
                .addLineItem(SessionCreateParams.LineItem.builder().setQuantity(1L)
                        .setPriceData(SessionCreateParams.LineItem.PriceData.builder().setCurrency(currency).setUnitAmount(price)
                                .setProductData(SessionCreateParams.LineItem.PriceData.ProductData.builder().setName(title)
                                        .putMetadata("course_id", courseId.toString()).build())
                                .build())
                        .build())
                .putMetadata("kind", "course_purchase").putMetadata("course_id", courseId.toString())
                .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder()
                        .putMetadata("user_id", userId.toString()).putMetadata("course_id", courseId.toString()).build())
                .build();
        Session s = stripe.createCheckout(params);
        return new Started(s.getId(), s.getUrl());
    }

    /** A billing-portal URL for the caller's customer; 404 when they never checked out. */
    public String portal(UUID userId) throws SQLException {
        requireStripe();
        String customer;
        try (Connection c = db.getConnection()) {
            customer = one(c, "select stripe_customer_id from private.stripe_customers where user_id = ?", userId);
        }
        if (customer == null) {
            throw new Refusal(404, "invalid_request_error", "no_billing_account", null,
                    "You have no billing account yet: it is created at your first checkout.", Map.of());
        }
        return stripe.createPortal(customer, settings.portalReturnUrl());
    }

    private SessionCreateParams.Builder base(UUID userId, String customer, SessionCreateParams.Mode mode) {
        return SessionCreateParams.builder().setMode(mode).setCustomer(customer).setClientReferenceId(userId.toString())
                .setSuccessUrl(settings.successUrl()).setCancelUrl(settings.cancelUrl()).putMetadata("user_id", userId.toString());
    }

    /** The user's one Stripe customer: read, or created once (idempotency key per user) and kept. */
    private String customer(UUID userId, String email) throws SQLException {
        try (Connection c = db.getConnection()) {
            String known = one(c, "select stripe_customer_id from private.stripe_customers where user_id = ?", userId);
            if (known != null) {
                return known;
            }
        }
        String created = stripe.createCustomer(userId, email);
        try (Connection c = db.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into private.stripe_customers (user_id, stripe_customer_id, livemode) values (?, ?, ?) on conflict do nothing""")) {
                ps.setObject(1, userId);
                ps.setString(2, created);
                ps.setBoolean(3, settings.secretKey().contains("_live_"));
                ps.executeUpdate();
            }
            String kept = one(c, "select stripe_customer_id from private.stripe_customers where user_id = ?", userId);
            if (kept == null) {
                throw new IllegalStateException("Stripe answered customer " + created + ", which is mapped to another user");
            }
            return kept;
        }
    }

    private void requireStripe() {
        if (stripe == null) {
            throw Refusal.unavailable("billing_not_configured", "Billing is not configured on this server: STRIPE_SECRET_KEY is not set.");
        }
    }

    private static String one(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
