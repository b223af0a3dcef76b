package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A JSON task's output schema, compiled once into a tree of shapes that checks a model's answer.
 *
 * <p>The schema is sent upstream with {@code strict: true}, so it must be in OpenAI's strict
 * subset: every object lists all its properties as required and forbids others. Compiling also
 * refuses any keyword the checker does not enforce, so the schema never promises callers more
 * than is checked. Checking is still needed because fallback can reach providers that ignore
 * {@code response_format}.
 */
final class OutputSchema {
    private static final ObjectReader JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build().reader();
    /** Models reached without structured outputs often wrap JSON in one Markdown fence. */
    private static final Pattern FENCE = Pattern.compile("(?s)```(?:json)?\\s*\\n(.*?)\\n?```");
    private static final int PROBLEMS_SHOWN = 5;
    private static final Set<String> ANNOTATIONS = Set.of("description", "title");
    private static final Set<String> BOUNDS = Set.of("minimum", "maximum", "minItems", "maxItems");

    private sealed interface Shape {}

    private record ObjectShape(Map<String, Shape> properties) implements Shape {}

    private record ArrayShape(Shape items, int minItems, int maxItems) implements Shape {}

    private record StringShape(List<String> allowed) implements Shape {}

    private record IntegerShape(long minimum, long maximum) implements Shape {}

    private record NumberShape(double minimum, double maximum) implements Shape {}

    private record BooleanShape() implements Shape {}

    private final ObjectNode json;
    private final Shape root;

    private OutputSchema(ObjectNode json, Shape root) {
        this.json = json;
        this.root = root;
    }

    static OutputSchema compile(JsonNode schema, String where, List<Problem> problems) {
        int before = problems.size();
        if (!schema.isObject() || !"object".equals(schema.path("type").asText())) {
            problems.add(new Problem(where, "the root of an output schema must be an object schema"));
            return null;
        }
        Shape root = shape(schema, where, problems);
        return problems.size() == before ? new OutputSchema(schema.deepCopy(), root) : null;
    }

    /** The schema as JSON; a fresh copy, since request bodies are handed on and may be edited. */
    ObjectNode json() {
        return json.deepCopy();
    }

    /**
     * Parses and checks a model's answer, returning it with only the declared properties, in
     * schema order; anything else is the upstream's failure, so a 502 the caller may retry.
     */
    JsonNode parse(String task, String content) {
        if (content == null || content.isBlank()) {
            throw invalid(task, "the model's answer was empty");
        }
        String text = content.strip();
        Matcher fenced = FENCE.matcher(text);
        if (fenced.matches()) {
            text = fenced.group(1);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid(task, "the model's answer was not valid JSON (" + e.getOriginalMessage() + ")");
        }
        List<Problem> problems = new ArrayList<>();
        JsonNode checked = check(root, answer, "output", problems);
        if (!problems.isEmpty()) {
            String shown = problems.stream().limit(PROBLEMS_SHOWN).map(Problem::toString).collect(Collectors.joining("; "));
            String more = problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : "";
            throw invalid(task, "the model's answer did not match the task's output schema: " + shown + more);
        }
        return checked;
    }

    static Refusal invalid(String task, String why) {
        return new Refusal(502, "upstream_error", "invalid_task_output", null,
                "Task " + task + ": " + why + ". Retrying the request may succeed.", Map.of());
    }

    private static JsonNode check(Shape shape, JsonNode node, String path, List<Problem> problems) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (shape) {
            case ObjectShape o -> {
                if (!node.isObject()) {
                    yield wrongType("an object", node, path, problems);
                }
                ObjectNode out = nodes.objectNode();
                o.properties().forEach((name, property) -> {
                    JsonNode value = node.get(name);
                    if (value == null) {
                        problems.add(new Problem(path + "." + name, "missing"));
                    } else {
                        out.set(name, check(property, value, path + "." + name, problems));
                    }
                });
                yield out;
            }
            case ArrayShape a -> {
                if (!node.isArray()) {
                    yield wrongType("a list", node, path, problems);
                }
                if (node.size() < a.minItems() || node.size() > a.maxItems()) {
                    problems.add(new Problem(path, "must have " + a.minItems() + " to " + a.maxItems() + " items, got " + node.size()));
                }
                ArrayNode out = nodes.arrayNode(node.size());
                for (int i = 0; i < node.size(); i++) {
                    out.add(check(a.items(), node.get(i), path + "[" + i + "]", problems));
                }
                yield out;
            }
            case StringShape s -> {
                if (!node.isTextual()) {
                    yield wrongType("a string", node, path, problems);
                }
                if (!s.allowed().isEmpty() && !s.allowed().contains(node.asText())) {
                    problems.add(new Problem(path, "must be one of " + String.join(", ", s.allowed())));
                }
                yield node;
            }
            case IntegerShape i -> {
                // 85.0 is the integer 85 to a JSON reader in most languages; accept it as such.
                if (!node.isNumber() || !(node.isIntegralNumber() || node.canConvertToExactIntegral()) || !node.canConvertToLong()) {
                    yield wrongType("an integer", node, path, problems);
                }
                if (node.longValue() < i.minimum() || node.longValue() > i.maximum()) {
                    problems.add(new Problem(path, "must be from " + i.minimum() + " to " + i.maximum() + ", got " + node.asText()));
                }
                yield nodes.numberNode(node.longValue());
            }
            case NumberShape n -> {
                if (!node.isNumber()) {
                    yield wrongType("a number", node, path, problems);
                }
                if (node.doubleValue() < n.minimum() || node.doubleValue() > n.maximum()) {
                    problems.add(new Problem(path, "must be from " + n.minimum() + " to " + n.maximum() + ", got " + node.asText()));
                }
                yield node;
            }
            case BooleanShape b -> node.isBoolean() ? node : wrongType("true or false", node, path, problems);
        };
    }

    private static JsonNode wrongType(String expected, JsonNode node, String path, List<Problem> problems) {
        problems.add(new Problem(path, "expected " + expected + ", got " + Problem.typeOf(node)));
        return node;
    }

    private static Shape shape(JsonNode schema, String where, List<Problem> problems) {
        if (!schema.isObject()) {
            problems.add(new Problem(where, "expected a schema object, got " + Problem.typeOf(schema)));
            return null;
        }
        String type = schema.path("type").asText("");
        return switch (type) {
            case "object" -> {
                keywords(schema, Set.of("properties", "required", "additionalProperties"), where, problems);
                JsonNode properties = schema.path("properties");
                if (!properties.isObject() || properties.isEmpty()) {
                    problems.add(new Problem(where + ".properties", "an object schema needs at least one property"));
                    yield null;
                }
                Map<String, Shape> shapes = new LinkedHashMap<>();
                properties.properties().forEach(p -> shapes.put(p.getKey(), shape(p.getValue(), where + ".properties." + p.getKey(), problems)));
                Set<String> required = new HashSet<>();
                schema.path("required").forEach(r -> required.add(r.asText()));
                if (!required.equals(shapes.keySet()) || schema.path("required").size() != required.size()) {
                    problems.add(new Problem(where + ".required", "strict mode needs every property listed once as required: " + shapes.keySet()));
                }
                if (!schema.path("additionalProperties").isBoolean() || schema.path("additionalProperties").booleanValue()) {
                    problems.add(new Problem(where + ".additionalProperties", "strict mode needs additionalProperties: false"));
                }
                yield new ObjectShape(shapes);
            }
            case "array" -> {
                keywords(schema, Set.of("items", "minItems", "maxItems"), where, problems);
                if (!schema.has("items")) {
                    problems.add(new Problem(where + ".items", "an array schema needs items"));
                    yield null;
                }
                yield new ArrayShape(shape(schema.get("items"), where + ".items", problems),
                        schema.path("minItems").asInt(0), schema.path("maxItems").asInt(Integer.MAX_VALUE));
            }
            case "string" -> {
                keywords(schema, Set.of("enum"), where, problems);
                List<String> allowed = new ArrayList<>();
                schema.path("enum").forEach(e -> allowed.add(e.asText()));
                yield new StringShape(List.copyOf(allowed));
            }
            case "integer" -> {
                keywords(schema, Set.of("minimum", "maximum"), where, problems);
                yield new IntegerShape(schema.path("minimum").asLong(Long.MIN_VALUE), schema.path("maximum").asLong(Long.MAX_VALUE));
            }
            case "number" -> {
                keywords(schema, Set.of("minimum", "maximum"), where, problems);
                yield new NumberShape(schema.path("minimum").asDouble(-Double.MAX_VALUE), schema.path("maximum").asDouble(Double.MAX_VALUE));
            }
            case "boolean" -> {
                keywords(schema, Set.of(), where, problems);
                yield new BooleanShape();
            }
            default -> {
                problems.add(new Problem(where + ".type", "must be one of object, array, string, integer, number, boolean"));
                yield null;
            }
        };
    }

    private static void keywords(JsonNode schema, Set<String> allowed, String where, List<Problem> problems) {
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("type") && !allowed.contains(name) && !ANNOTATIONS.contains(name)) {
                problems.add(new Problem(where + "." + name, "keyword not supported by the output checker"));
            } else if (BOUNDS.contains(name) && !schema.get(name).isNumber()) {
                problems.add(new Problem(where + "." + name, "must be a number"));
            }
        }
    }
}
