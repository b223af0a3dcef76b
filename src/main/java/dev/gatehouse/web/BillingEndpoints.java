package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.billing.Checkout;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /v1/billing/checkout}, {@code POST /v1/billing/portal} (a Supabase access token or an
 * API key with the {@code billing} scope) and {@code POST /webhooks/stripe} (Stripe's signature).
 */
public final class BillingEndpoints {
    private final ObjectMapper json;
    private final JsonBodies bodies;
    private final Authenticator auth;
    private final Checkout checkout;
    private final StripeWebhook webhook;

    public BillingEndpoints(ObjectMapper json, Authenticator auth, Checkout checkout, StripeWebhook webhook) {
        this.json = json;
        this.bodies = new JsonBodies(json);
        this.auth = auth;
        this.checkout = checkout;
        this.webhook = webhook;
    }

    public void checkout(Context ctx) throws SQLException {
        Caller caller = caller(ctx);
        JsonNode body = bodies.object(ctx);
        JsonNode plan = body.get("plan");
        JsonNode course = body.get("course_id");
        if ((plan == null) == (course == null)) {
            throw Refusal.badRequest(null, "Send exactly one of \"plan\" (a plan id) or \"course_id\" (a course's uuid).");
        }
        Checkout.Started started;
        if (plan != null) {
            if (!plan.isTextual() || !plan.asText().matches("[a-z][a-z0-9_-]{0,31}")) {
                throw Refusal.badRequest("plan", "\"plan\" must be a plan id such as \"pro\".");
            }
            started = checkout.plan(caller.userId(), caller.email(), plan.asText());
        } else {
            UUID id = course.isTextual() ? uuid(course.asText()) : null;
            if (id == null) {
                throw Refusal.badRequest("course_id", "\"course_id\" must be a course's uuid.");
            }
            started = checkout.course(caller.userId(), caller.email(), id);
        }
        ctx.json(Map.of("id", started.id(), "url", started.url()));
    }

    public void portal(Context ctx) throws SQLException {
        Caller caller = caller(ctx);
        ctx.json(Map.of("url", checkout.portal(caller.userId())));
    }

    /** The raw bytes are what Stripe signed; nothing is parsed before the signature holds. */
    public void stripeWebhook(Context ctx) throws SQLException {
        StripeWebhook.Outcome outcome = webhook.receive(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8), ctx.header("Stripe-Signature"));
        ctx.json(json.createObjectNode().put("received", true).put("duplicate", outcome == StripeWebhook.Outcome.DUPLICATE));
    }

    private Caller caller(Context ctx) {
        Caller caller = auth.authenticate(ctx.header("Authorization"));
        if (!caller.hasScope("billing")) {
            throw Refusal.forbidden("insufficient_scope", "This API key lacks the billing scope.");
        }
        return caller;
    }

    private static UUID uuid(String s) {
        try {
            UUID u = UUID.fromString(s);
            return u.toString().equalsIgnoreCase(s) ? u : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
