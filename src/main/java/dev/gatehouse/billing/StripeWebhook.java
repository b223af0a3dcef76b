package dev.gatehouse.billing;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Receives Stripe events: the signature is checked on the raw body, then, in ONE transaction, the
 * event is inserted into the ledger (its id is the primary key, so a duplicate is a no-op) and its
 * object's rows are re-derived from every event held for that object ({@link CoursePurchases},
 * {@link Subscriptions}). A per-object advisory lock serializes instances working on one object.
 * Any failure rolls the whole transaction back, ledger row included, so Stripe's retry completes it.
 */
public final class StripeWebhook {
    /** What happened to one delivery. */
    public enum Outcome { APPLIED, DUPLICATE, RECORDED }

    /**
     * Told each delivery's event type ({@code unverified} before the signature holds, so an attacker
     * cannot mint labels) and result: {@code applied}, {@code duplicate}, {@code recorded}, the
     * refusal's code ({@code refused_<status>} when it has none), or {@code error}. For metrics; must be cheap and must not throw.
     */
    @FunctionalInterface
    public interface Deliveries {
        Deliveries NONE = (type, result) -> { };

        void received(String type, String result);
    }

    // One round trip: take the object's lock (null key: no lock), then insert; a duplicate inserts nothing.
    private static final String INSERT = """
            with locked as (select pg_advisory_xact_lock(hashtextextended(k, 7)) from (select ?::text as k) o where k is not null)
            insert into private.webhook_events (id, type, created, livemode, api_version, object_key, payload, processed_at, attempts)
            select ?, ?, ?, ?, ?, ?, ?::jsonb, now(), 1 from (select count(*) from locked) l
            on conflict (id) do nothing""";
    private static final String EVENTS_OF_OBJECT = "select payload::text from private.webhook_events where object_key = ?";

    private final List<String> secrets;
    private final DataSource db;
    private final Clock clock;
    private final Deliveries deliveries;

    public StripeWebhook(List<String> secrets, DataSource db, Clock clock) {
        this(secrets, db, clock, Deliveries.NONE);
    }

    public StripeWebhook(List<String> secrets, DataSource db, Clock clock, Deliveries deliveries) {
        this.deliveries = deliveries;
        this.secrets = List.copyOf(secrets);
        this.db = db;
        this.clock = clock;
    }

    public boolean configured() {
        return !secrets.isEmpty();
    }

    /**
     * @param payload         the raw request body, decoded as UTF-8
     * @param signatureHeader the {@code Stripe-Signature} header; null when absent
     * @throws Refusal 400 for a missing, invalid or stale signature or a body that is not an event (nothing stored);
     *                 422 when the event names a user, course or price the database does not know (nothing stored)
     */
    public Outcome receive(String payload, String signatureHeader) throws SQLException {
        String type = "unverified";
        try {
            verify(payload, signatureHeader);
            StripeEvent event = StripeEvent.parse(payload);
            type = event.type();
            Outcome outcome;
            try (Connection c = db.getConnection()) {
                outcome = apply(c, event);
            }
            deliveries.received(type, outcome.name().toLowerCase(java.util.Locale.ROOT));
            return outcome;
        } catch (Refusal r) {
            deliveries.received(type, r.code() != null ? r.code() : "refused_" + r.status());
            throw r;
        } catch (SQLException | RuntimeException e) {
            deliveries.received(type, "error");
            throw e;
        }
    }

    /** Checks the signature against every configured secret (several while one is rotated). */
    public void verify(String payload, String signatureHeader) {
        if (secrets.isEmpty()) {
            throw Refusal.unavailable("webhook_not_configured", "Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET.");
        }
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new Refusal(400, "invalid_request_error", "missing_signature", null, "The Stripe-Signature header is missing.", Map.of());
        }
        String problem = null;
        for (String secret : secrets) {
            try {
                Webhook.Signature.verifyHeader(payload, signatureHeader, secret, BillingSettings.TOLERANCE_SECONDS, clock);
                return;
            } catch (SignatureVerificationException e) {
                problem = e.getMessage();
            }
        }
        throw new Refusal(400, "invalid_request_error", "invalid_signature",
                null, "The Stripe-Signature header does not verify: " + problem, Map.of());
    }

    /** Records and applies one event on {@code c} in its own transaction; the path the webhook and {@code stripe sync} share. */
    public static Outcome apply(Connection c, StripeEvent event) throws SQLException {
        return Transaction.call(c, () -> recordAndFold(c, event));
    }

    private static Outcome recordAndFold(Connection c, StripeEvent event) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, event.objectKey());
            ps.setString(2, event.id());
            ps.setString(3, event.type());
            ps.setTimestamp(4, Timestamp.from(event.created()));
            ps.setBoolean(5, event.livemode());
            ps.setString(6, event.apiVersion());
            ps.setString(7, event.objectKey());
            ps.setString(8, event.json());
            if (ps.executeUpdate() == 0) {
                return Outcome.DUPLICATE;
            }
        }
        if (event.objectKey() == null) {
            return Outcome.RECORDED;
        }
        List<StripeEvent> all = eventsOf(c, event.objectKey());
        if (event.objectKey().startsWith("pay:")) {
            CoursePurchases.fold(c, all);
        } else {
            Subscriptions.fold(c, all);
        }
        return Outcome.APPLIED;
    }

    private static List<StripeEvent> eventsOf(Connection c, String key) throws SQLException {
        List<StripeEvent> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(EVENTS_OF_OBJECT)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(StripeEvent.parse(rs.getString(1)));
                }
            }
        }
        return out;
    }

    static Refusal unprocessable(String code, String message) {
        return new Refusal(422, "invalid_request_error", code, null, message, Map.of());
    }
}
