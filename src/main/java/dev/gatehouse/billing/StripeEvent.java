package dev.gatehouse.billing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.refusal.Refusal;
import java.time.Instant;

/**
 * One Stripe event as delivered (webhook body or an Events API item), with the key of the Stripe
 * object it is about. The payload stays raw JSON: the service reads only the fields it needs, so
 * events of other API versions and fields it does not know pass through unharmed.
 *
 * @param objectKey {@code pay:<payment_intent|checkout session>} for a course purchase,
 *                  {@code sub:<subscription>} for a subscription and its invoices, null when only recorded
 */
public record StripeEvent(String id, String type, Instant created, boolean livemode, String apiVersion, String objectKey, JsonNode object,
        JsonNode previousAttributes, String json) {

    static final ObjectMapper JSON = new ObjectMapper();

    /** @throws Refusal 400 when the body is not a Stripe event */
    public static StripeEvent parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw Refusal.badRequest(null, "The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !"event".equals(root.path("object").asText())
                || !root.path("id").isTextual() || !root.path("type").isTextual() || !root.path("created").canConvertToLong()
                || !root.path("data").path("object").isObject()) {
            throw Refusal.badRequest(null, "The body is not a Stripe event (object \"event\" with id, type, created and data.object).");
        }
        String id = root.path("id").asText();
        if (id.isEmpty() || id.length() > 255) {
            throw Refusal.badRequest("id", "The event id must be 1 to 255 characters.");
        }
        JsonNode object = root.path("data").path("object");
        String type = root.path("type").asText();
        return new StripeEvent(id, type, Instant.ofEpochSecond(root.path("created").asLong()), root.path("livemode").asBoolean(false),
                text(root, "api_version"), objectKey(type, object), object, root.path("data").path("previous_attributes"), json);
    }

    static String objectKey(String type, JsonNode o) {
        if (type.startsWith("checkout.session.")) {
            if ("subscription".equals(text(o, "mode"))) {
                return key("sub:", idOf(o.path("subscription")));
            }
            if ("payment".equals(text(o, "mode"))) {
                String pi = idOf(o.path("payment_intent"));
                return pi != null ? key("pay:", pi) : key("pay:", text(o, "id"));
            }
            return null;
        }
        if (type.startsWith("customer.subscription.")) {
            return key("sub:", text(o, "id"));
        }
        if (type.startsWith("invoice.")) {
            return key("sub:", idOf(o.path("parent").path("subscription_details").path("subscription")));
        }
        if (type.equals("charge.refunded")) {
            return key("pay:", idOf(o.path("payment_intent")));
        }
        return null;
    }

    /** An id field that may be expanded into an object. */
    static String idOf(JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        return n.isObject() ? text(n, "id") : null;
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : null;
    }

    private static String key(String prefix, String id) {
        return id == null || id.isEmpty() ? null : prefix + id;
    }
}
