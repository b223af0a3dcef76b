package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The closed set of variable kinds a task can declare. Each checks a present, non-null JSON value,
 * adding every problem it finds (so one 400 names them all) and returning the value only when
 * there were none; says in words what it expects; and describes itself as JSON Schema for
 * {@code GET /v1/tasks}.
 *
 * <p>Lengths count Unicode code points, not UTF-16 units, so an emoji is one character for the
 * limit as it is for the person typing. Surrounding whitespace is not part of a value.
 */
sealed interface VariableType {
    Value check(JsonNode raw, String param, List<Problem> problems);

    String expected();

    ObjectNode schema();

    record StringType(int minLength, int maxLength, List<String> allowed, Pattern pattern) implements VariableType {
        public StringType {
            allowed = List.copyOf(allowed);
        }

        @Override
        public Value check(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isTextual()) {
                problems.add(new Problem(param, "expected " + expected() + ", got " + Problem.typeOf(raw)));
                return null;
            }
            String text = raw.asText().strip();
            if (!allowed.isEmpty()) {
                if (allowed.contains(text)) {
                    return new Value.Text(text);
                }
                problems.add(new Problem(param, "must be " + expected() + ", got \"" + clip(text) + '"'));
                return null;
            }
            int before = problems.size();
            checkLength(text, minLength, maxLength, param, problems);
            if (pattern != null && problems.size() == before && !pattern.matcher(text).matches()) {
                problems.add(new Problem(param, "must match the pattern " + pattern.pattern()));
            }
            return problems.size() == before ? new Value.Text(text) : null;
        }

        @Override
        public String expected() {
            if (!allowed.isEmpty()) {
                return oneOf(allowed);
            }
            return "a string of " + minLength + " to " + maxLength + " characters"
                    + (pattern == null ? "" : " matching " + pattern.pattern());
        }

        @Override
        public ObjectNode schema() {
            ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "string");
            if (!allowed.isEmpty()) {
                allowed.forEach(schema.putArray("enum")::add);
                return schema;
            }
            schema.put("minLength", minLength).put("maxLength", maxLength);
            if (pattern != null) {
                // JSON Schema patterns are unanchored; ours must match the whole value.
                schema.put("pattern", "^(?:" + pattern.pattern() + ")$");
            }
            return schema;
        }
    }

    record IntegerType(long minimum, long maximum) implements VariableType {
        @Override
        public Value check(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isIntegralNumber()) {
                problems.add(new Problem(param, "expected " + expected() + ", got " + Problem.typeOf(raw)));
                return null;
            }
            if (!raw.canConvertToLong() || raw.longValue() < minimum || raw.longValue() > maximum) {
                problems.add(new Problem(param, "must be from " + minimum + " to " + maximum + ", got " + raw.asText()));
                return null;
            }
            return new Value.WholeNumber(raw.longValue());
        }

        @Override
        public String expected() {
            return "an integer from " + minimum + " to " + maximum;
        }

        @Override
        public ObjectNode schema() {
            return JsonNodeFactory.instance.objectNode().put("type", "integer").put("minimum", minimum).put("maximum", maximum);
        }
    }

    record BooleanType() implements VariableType {
        @Override
        public Value check(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isBoolean()) {
                problems.add(new Problem(param, "expected " + expected() + ", got " + Problem.typeOf(raw)));
                return null;
            }
            return new Value.Flag(raw.booleanValue());
        }

        @Override
        public String expected() {
            return "true or false";
        }

        @Override
        public ObjectNode schema() {
            return JsonNodeFactory.instance.objectNode().put("type", "boolean");
        }
    }

    record StringListType(int maxItems, int maxItemLength) implements VariableType {
        @Override
        public Value check(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isArray()) {
                problems.add(new Problem(param, "expected " + expected() + ", got " + Problem.typeOf(raw)));
                return null;
            }
            int before = problems.size();
            checkCount(raw, maxItems, param, problems);
            List<String> items = new ArrayList<>(raw.size());
            for (int i = 0; i < raw.size() && i < maxItems; i++) {
                items.add(text(raw.get(i), 1, maxItemLength, param + "[" + i + "]", problems));
            }
            return problems.size() == before ? new Value.Items(items) : null;
        }

        @Override
        public String expected() {
            return "a list of 1 to " + maxItems + " strings of at most " + maxItemLength + " characters each";
        }

        @Override
        public ObjectNode schema() {
            ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "array").put("minItems", 1).put("maxItems", maxItems);
            schema.putObject("items").put("type", "string").put("minLength", 1).put("maxLength", maxItemLength);
            return schema;
        }
    }

    record TurnListType(List<String> roles, int maxItems, int maxContentLength) implements VariableType {
        public TurnListType {
            roles = List.copyOf(roles);
        }

        @Override
        public Value check(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isArray()) {
                problems.add(new Problem(param, "expected " + expected() + ", got " + Problem.typeOf(raw)));
                return null;
            }
            int before = problems.size();
            checkCount(raw, maxItems, param, problems);
            List<Value.Turn> turns = new ArrayList<>(raw.size());
            for (int i = 0; i < raw.size() && i < maxItems; i++) {
                turns.add(turn(raw.get(i), param + "[" + i + "]", problems));
            }
            return problems.size() == before ? new Value.Turns(turns) : null;
        }

        private Value.Turn turn(JsonNode raw, String param, List<Problem> problems) {
            if (!raw.isObject()) {
                problems.add(new Problem(param, "expected a turn {\"role\", \"content\"}, got " + Problem.typeOf(raw)));
                return null;
            }
            for (Iterator<String> names = raw.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("role") && !name.equals("content")) {
                    problems.add(new Problem(param + "." + name, "unknown field; a turn has only role and content"));
                }
            }
            JsonNode role = raw.get("role");
            if (role == null || !role.isTextual() || !roles.contains(role.asText())) {
                problems.add(new Problem(param + ".role", "must be " + oneOf(roles)
                        + (role == null ? "" : ", got " + (role.isTextual() ? '"' + clip(role.asText()) + '"' : Problem.typeOf(role)))));
            }
            JsonNode content = raw.get("content");
            String text = content == null
                    ? missing(param + ".content", problems)
                    : text(content, 1, maxContentLength, param + ".content", problems);
            return role != null && text != null ? new Value.Turn(role.asText(), text) : null;
        }

        @Override
        public String expected() {
            return "a list of 1 to " + maxItems + " turns, each {\"role\": " + oneOf(roles)
                    + ", \"content\": a string of at most " + maxContentLength + " characters}";
        }

        @Override
        public ObjectNode schema() {
            ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "array").put("minItems", 1).put("maxItems", maxItems);
            ObjectNode turn = schema.putObject("items").put("type", "object");
            ObjectNode properties = turn.putObject("properties");
            roles.forEach(properties.putObject("role").put("type", "string").putArray("enum")::add);
            properties.putObject("content").put("type", "string").put("minLength", 1).put("maxLength", maxContentLength);
            turn.putArray("required").add("role").add("content");
            turn.put("additionalProperties", false);
            return schema;
        }

        private static String missing(String param, List<Problem> problems) {
            problems.add(new Problem(param, "missing; expected the turn's text"));
            return null;
        }
    }

    private static String text(JsonNode raw, int minLength, int maxLength, String param, List<Problem> problems) {
        if (!raw.isTextual()) {
            problems.add(new Problem(param, "expected a string of at most " + maxLength + " characters, got " + Problem.typeOf(raw)));
            return null;
        }
        String text = raw.asText().strip();
        return checkLength(text, minLength, maxLength, param, problems) ? text : null;
    }

    private static boolean checkLength(String text, int minLength, int maxLength, String param, List<Problem> problems) {
        int length = text.codePointCount(0, text.length());
        if (length == 0 && minLength > 0) {
            problems.add(new Problem(param, "must not be empty"));
        } else if (length < minLength) {
            problems.add(new Problem(param, "must be at least " + minLength + " characters, got " + length));
        } else if (length > maxLength) {
            problems.add(new Problem(param, "must be at most " + maxLength + " characters, got " + length));
        } else {
            return true;
        }
        return false;
    }

    private static void checkCount(JsonNode list, int maxItems, String param, List<Problem> problems) {
        if (list.isEmpty()) {
            problems.add(new Problem(param, "must have at least one item"));
        } else if (list.size() > maxItems) {
            problems.add(new Problem(param, "must have at most " + maxItems + " items, got " + list.size()));
        }
    }

    private static String oneOf(List<String> allowed) {
        return "one of " + allowed.stream().map(a -> '"' + a + '"').collect(Collectors.joining(", "));
    }

    /** Echoes a caller's bad value without letting a huge one fill the error message. */
    private static String clip(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
