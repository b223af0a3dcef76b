package dev.gatehouse.ai.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed reads from a JSON config tree that record a problem, with its JSON path, instead of
 * throwing, so one pass over a file finds every mistake in it. Fields starting with {@code _} are
 * comments and are skipped everywhere.
 */
final class ConfigReader {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

    private final List<String> problems = new ArrayList<>();

    List<String> problems() {
        return problems;
    }

    Map<String, ObjectNode> namedObjects(JsonNode node, String path) {
        Map<String, ObjectNode> named = new LinkedHashMap<>();
        if (node == null) {
            problem(path, "is required");
            return named;
        }
        ObjectNode object = object(node, path);
        if (object == null) {
            return named;
        }
        object.properties().forEach(e -> {
            if (e.getKey().startsWith("_")) {
                return;
            }
            if (!NAME.matcher(e.getKey()).matches()) {
                problem(path(path, e.getKey()), "name must be letters, digits and . _ : / - (at most 128)");
            }
            ObjectNode value = object(e.getValue(), path(path, e.getKey()));
            if (value != null) {
                named.put(e.getKey(), value);
            }
        });
        return named;
    }

    ObjectNode object(JsonNode node, String path) {
        if (node instanceof ObjectNode object) {
            return object;
        }
        problem(path, "must be an object");
        return null;
    }

    ObjectNode optionalObject(JsonNode node, String path) {
        return node == null ? JsonNodeFactory.instance.objectNode() : object(node, path);
    }

    void onlyKnown(ObjectNode object, String path, Set<String> known) {
        if (object == null) {
            return;
        }
        object.fieldNames().forEachRemaining(field -> {
            if (!field.startsWith("_") && !known.contains(field)) {
                problem(path(path, field), "unknown field; expected one of " + String.join(", ", known.stream().sorted().toList()));
            }
        });
    }

    String text(ObjectNode object, String field, String path, boolean required) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                problem(path + "." + field, "is required");
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problem(path + "." + field, "must be a non-empty string");
            return null;
        }
        return node.asText().strip();
    }

    int integer(ObjectNode object, String field, String path, int fallback, int min, int max) {
        JsonNode node = object == null ? null : object.get(field);
        if (node == null) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < min || node.asInt() > max) {
            problem(path + "." + field, "must be a whole number from " + min + " to " + max);
            return fallback;
        }
        return node.asInt();
    }

    Duration millis(ObjectNode object, String field, String path, int fallback, int min, int max) {
        return Duration.ofMillis(integer(object, field, path, fallback, min, max));
    }

    void problem(String path, String message) {
        problems.add(path + ": " + message);
    }

    static String path(String parent, String name) {
        return name.matches("[A-Za-z0-9_-]+") ? parent + "." + name : parent + "[\"" + name + "\"]";
    }

}
