package dev.gatehouse.billing;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.db.Transaction;
import java.sql.Array;
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
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Receives Stripe events: the signature is checked on the raw body, then, in ONE transaction, the
 * event is inserted into the ledger (its id is the primary key, so a duplicate is a no-op) and its
 * object's rows are re-derived from every event held for that object ({@link CoursePurchases}: one
 * SQL function call; {@link Subscriptions}: record, fold in Java, one write call, commit). A
 * per-object advisory lock serializes instances working on one object. Any failure rolls the whole
 * transaction back, ledger row included, so Stripe's retry completes it.
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

    // Records the event under its object's lock; null for a duplicate, else the payloads of the object's other events.
    private static final String RECORD = "select private.stripe_record_subscription_event(?, ?, ?, ?, ?, ?, ?::jsonb)";
    /** The SQL functions' refusals: message is the refusal code, detail the explanation. */
    private static final String REFUSED = "GH422";

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
        try {
            if (event.objectKey() != null && event.objectKey().startsWith("pay:")) {
                return CoursePurchases.apply(c, event);
            }
            return Transaction.call(c, () -> recordAndFold(c, event));
        } catch (PSQLException e) {
            ServerErrorMessage m = e.getServerErrorMessage();
            if (REFUSED.equals(e.getSQLState()) && m != null) {
                throw unprocessable(m.getMessage(), m.getDetail());
            }
            throw e;
        }
    }

    private static Outcome recordAndFold(Connection c, StripeEvent event) throws SQLException {
        List<StripeEvent> all = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(RECORD)) {
            bind(ps, event);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array others = rs.getArray(1);
                if (others == null) {
                    return Outcome.DUPLICATE;
                }
                for (String payload : (String[]) others.getArray()) {
                    all.add(StripeEvent.parse(payload));
                }
            }
        }
        if (event.objectKey() == null) {
            return Outcome.RECORDED;
        }
        all.add(event);
        Subscriptions.fold(c, all);
        return Outcome.APPLIED;
    }

    /** The seven parameters of the recording functions: id, type, created, livemode, api_version, object key, payload. */
    static void bind(PreparedStatement ps, StripeEvent event) throws SQLException {
        ps.setString(1, event.id());
        ps.setString(2, event.type());
        ps.setTimestamp(3, Timestamp.from(event.created()));
        ps.setBoolean(4, event.livemode());
        ps.setString(5, event.apiVersion());
        ps.setString(6, event.objectKey());
        ps.setString(7, event.json());
    }

    static Refusal unprocessable(String code, String message) {
        return new Refusal(422, "invalid_request_error", code, null, message, Map.of());
    }
}
