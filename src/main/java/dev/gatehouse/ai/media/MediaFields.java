package dev.gatehouse.ai.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks an images or embeddings body shares, each failing with a 400 that names its field
 * ({@code param}) as OpenAI does. JSON {@code null} counts as absent, as OpenAI's SDKs send it.
 */
final class MediaFields {
    private MediaFields() {}

    static ObjectNode object(JsonNode body) {
        if (!(body instanceof ObjectNode object)) {
            throw Refusal.badRequest(null, "The request body must be a JSON object.");
        }
        return object;
    }

    /** OpenAI refuses arguments it does not know; so does the gateway, rather than forward them blind. */
    static void onlyKnown(ObjectNode body, Set<String> known) {
        body.properties().forEach(field -> {
            if (!known.contains(field.getKey())) {
                throw new Refusal(400, "invalid_request_error", "unknown_parameter", field.getKey(),
                        "Unrecognized request argument supplied: " + field.getKey() + ".", Map.of());
            }
        });
    }

    /** The alias, when it is one the gateway serves for this API; {@code model_not_found} otherwise. */
    static String model(ObjectNode body, List<String> servable, String what) {
        JsonNode model = body.get("model");
        if (!present(model) || !model.isTextual() || model.asText().isBlank()) {
            throw Refusal.badRequest("model", "model is required. Available " + what + " models: " + String.join(", ", servable) + ".");
        }
        if (!servable.contains(model.asText())) {
            throw new Refusal(400, "invalid_request_error", "model_not_found", "model", "The model '" + model.asText()
                    + "' does not exist or is not an " + what + " model here. Available " + what + " models: "
                    + String.join(", ", servable) + ".", Map.of());
        }
        return model.asText();
    }

    static String oneOf(ObjectNode body, String field, List<String> allowed, String whenAbsent) {
        JsonNode value = body.get(field);
        if (!present(value)) {
            return whenAbsent;
        }
        if (!value.isTextual() || !allowed.contains(value.asText())) {
            throw Refusal.badRequest(field, field + " must be one of " + String.join(", ", allowed) + ".");
        }
        return value.asText();
    }

    static int integer(ObjectNode body, String field, int min, int max, int whenAbsent) {
        JsonNode value = body.get(field);
        if (!present(value)) {
            return whenAbsent;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
            throw Refusal.badRequest(field, field + " must be an integer from " + min + " to " + max + ".");
        }
        return value.asInt();
    }

    static void text(ObjectNode body, String field, int maxChars) {
        JsonNode value = body.get(field);
        if (present(value) && (!value.isTextual() || value.asText().length() > maxChars)) {
            throw Refusal.badRequest(field, field + " must be a string of at most " + maxChars + " characters.");
        }
    }

    static Refusal tooLong(String param, String message) {
        return new Refusal(400, "invalid_request_error", "input_too_long", param, message, Map.of());
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }
}
