package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.util.Set;

/**
 * The sister apps' small flat request bodies turned into a task's {@code {"variables": {...}}}: only
 * the listed fields, each a string, renamed to the task's variable; anything else is a 400 naming it.
 */
final class SisterAppBodies {
    private SisterAppBodies() {}

    /**
     * @param fieldToVariable pairs of (request field, task variable)
     * @param required        the request fields that must be present
     */
    static ObjectNode taskBody(ObjectMapper json, JsonNode body, Set<String> required, String... fieldToVariable) {
        ObjectNode variables = json.createObjectNode();
        ObjectNode out = json.createObjectNode();
        out.set("variables", variables);
        java.util.Map<String, String> names = new java.util.LinkedHashMap<>();
        for (int i = 0; i < fieldToVariable.length; i += 2) {
            names.put(fieldToVariable[i], fieldToVariable[i + 1]);
        }
        for (var field : body.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("model") && value.isTextual()) {
                out.set("model", value);
                continue;
            }
            if (!names.containsKey(name)) {
                throw Refusal.badRequest(name, "Unknown field '" + name + "'; this endpoint takes " + String.join(", ", names.keySet())
                        + " and optionally model.");
            }
            if (value.isNull()) {
                continue;
            }
            if (!value.isTextual()) {
                throw Refusal.badRequest(name, "'" + name + "' must be a string.");
            }
            variables.set(names.get(name), value);
        }
        for (String r : required) {
            if (!variables.has(names.get(r)) || variables.get(names.get(r)).asText().isBlank()) {
                throw Refusal.badRequest(r, "'" + r + "' is required.");
            }
        }
        return out;
    }
}
