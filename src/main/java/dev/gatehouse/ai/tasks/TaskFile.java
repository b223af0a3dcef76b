package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gatehouse.ai.tasks.VariableType.BooleanType;
import dev.gatehouse.ai.tasks.VariableType.IntegerType;
import dev.gatehouse.ai.tasks.VariableType.StringListType;
import dev.gatehouse.ai.tasks.VariableType.StringType;
import dev.gatehouse.ai.tasks.VariableType.TurnListType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one task definition ({@code gateway/tasks/<name>.json}) into a {@link Task}, reporting
 * every problem with its place in the file instead of stopping at the first; unknown keys are
 * problems too, so a typo such as {@code max_lenght} cannot silently lift a limit.
 *
 * <pre>{@code
 * {"description": "...", "model": "gpt-4o-mini", "max_tokens": 800, "temperature": 0.3,
 *  "variables": {"question": {"type": "string", "required": true, "max_length": 4000, "description": "..."}},
 *  "system": ["line", ...], "user": ["line", "{{question}}", ...],
 *  "output": {"type": "text"} | {"type": "json", "schema": {...}},
 *  "cache": {"ttl_seconds": 86400}}  (optional: results reused per user, stale ones when every provider fails)
 * }</pre>
 */
final class TaskFile {
    private static final ObjectReader JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build().reader();
    /** A URL segment, and OpenAI's json_schema name rule (letters, digits, _ and -, at most 64). */
    private static final Pattern TASK_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    /** Also the section's tag name, so it must be a plain XML-like name. */
    private static final Pattern VARIABLE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final Set<String> KEYS = Set.of("description", "model", "max_tokens", "temperature", "variables", "system", "user", "output", "cache");
    private static final Set<String> COMMON_VARIABLE_KEYS = Set.of("type", "description", "required", "default");
    private static final Map<String, Set<String>> TYPE_KEYS = Map.of(
            "string", Set.of("min_length", "max_length", "enum", "pattern"),
            "integer", Set.of("minimum", "maximum"),
            "boolean", Set.of(),
            "string_list", Set.of("max_items", "max_item_length"),
            "turn_list", Set.of("roles", "max_items", "max_content_length"));
    private static final int MAX_TOKENS_LIMIT = 32_768;

    private final String name;
    private final String file;
    private final List<Problem> problems;

    private TaskFile(String name, List<Problem> problems) {
        this.name = name;
        this.file = name + ".json";
        this.problems = problems;
    }

    /** Returns the task, or null after adding its problems. */
    static Task parse(String name, String json, List<Problem> problems) {
        return new TaskFile(name, problems).parse(json);
    }

    private Task parse(String json) {
        int before = problems.size();
        if (!TASK_NAME.matcher(name).matches()) {
            problem("", "the file name must be a task name: lowercase letters, digits and -, starting with a letter");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            problem("", "not valid JSON: " + e.getOriginalMessage());
            return null;
        }
        if (root == null || !root.isObject()) {
            problem("", "must be a JSON object");
            return null;
        }
        onlyKeys(root, KEYS, "");
        String description = text(root, "description", "");
        String model = text(root, "model", "");
        int maxTokens = (int) integer(root, "max_tokens", "", 1, MAX_TOKENS_LIMIT, null);
        double temperature = temperature(root.get("temperature"));
        List<Variable> variables = variables(root.path("variables"));
        List<String> system = lines(root.get("system"), "system");
        for (int i = 0; i < system.size(); i++) {
            if (system.get(i).contains("{{")) {
                problem("system[" + i + "]", "the system prompt takes no placeholders; values go only into tagged sections of the user message");
            }
        }
        Set<String> declared = new LinkedHashSet<>();
        root.path("variables").fieldNames().forEachRemaining(declared::add);
        UserTemplate user = UserTemplate.compile(lines(root.get("user"), "user"), declared, file + ": user", problems);
        TaskOutput output = output(root.get("output"));
        java.time.Duration cacheTtl = cacheTtl(root.get("cache"));
        if (problems.size() > before) {
            return null;
        }
        String systemPrompt = String.join("\n", system) + "\n\n" + UserTemplate.DATA_RULE;
        return new Task(name, description, model, maxTokens, temperature, variables, systemPrompt, user, output, cacheTtl, version(json));
    }

    /** {@code "cache": {"ttl_seconds": n}} opts the task into the result cache; absent means no caching. */
    private java.time.Duration cacheTtl(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            problem("cache", "expected {\"ttl_seconds\": <60 to 2592000>}");
            return null;
        }
        onlyKeys(node, Set.of("ttl_seconds"), "cache");
        return java.time.Duration.ofSeconds(integer(node, "ttl_seconds", "cache", 60, 2_592_000, null));
    }

    /** The task's version for cache keys: a digest of its file, so any edit starts a fresh cache. */
    private static String version(String json) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Variable> variables(JsonNode node) {
        List<Variable> variables = new ArrayList<>();
        if (!node.isObject() || node.isEmpty()) {
            problem("variables", "expected an object declaring at least one variable");
            return variables;
        }
        node.properties().forEach(field -> {
            Variable v = variable(field.getKey(), field.getValue(), "variables." + field.getKey());
            if (v != null) {
                variables.add(v);
            }
        });
        return variables;
    }

    private Variable variable(String variable, JsonNode spec, String at) {
        int before = problems.size();
        if (!VARIABLE_NAME.matcher(variable).matches() || variable.equals("turn")) {
            problem(at, "a variable name is its section's tag: lowercase letters, digits and _, starting with a letter, and not \"turn\"");
        }
        if (!spec.isObject()) {
            problem(at, "expected an object");
            return null;
        }
        String kind = text(spec, "type", at);
        String description = text(spec, "description", at);
        boolean required = spec.path("required").asBoolean(false);
        if (spec.has("required") && !spec.get("required").isBoolean()) {
            problem(at + ".required", "expected true or false");
        }
        if (!TYPE_KEYS.containsKey(kind)) {
            problem(at + ".type", "must be one of " + String.join(", ", TYPE_KEYS.keySet()));
            return null;
        }
        Set<String> keys = new HashSet<>(COMMON_VARIABLE_KEYS);
        keys.addAll(TYPE_KEYS.get(kind));
        onlyKeys(spec, keys, at);
        VariableType type = switch (kind) {
            case "string" -> stringType(spec, at);
            case "integer" -> integerType(spec, at);
            case "boolean" -> new BooleanType();
            case "string_list" -> new StringListType((int) integer(spec, "max_items", at, 1, 1000, null),
                    (int) integer(spec, "max_item_length", at, 1, 100_000, null));
            default -> new TurnListType(roles(spec.get("roles"), at), (int) integer(spec, "max_items", at, 1, 1000, null),
                    (int) integer(spec, "max_content_length", at, 1, 100_000, null));
        };
        Optional<Value> defaultValue = Optional.empty();
        if (spec.has("default")) {
            if (required) {
                problem(at + ".default", "a required variable cannot have a default");
            } else if (problems.size() == before) {
                List<Problem> found = new ArrayList<>();
                defaultValue = Optional.ofNullable(type.check(spec.get("default"), at + ".default", found));
                found.forEach(p -> problem(p.where(), "the default is invalid: " + p.message()));
            }
        }
        return problems.size() == before ? new Variable(variable, description, required, defaultValue, type) : null;
    }

    private StringType stringType(JsonNode spec, String at) {
        List<String> allowed = new ArrayList<>();
        if (spec.has("enum")) {
            if (!spec.get("enum").isArray() || spec.get("enum").isEmpty()) {
                problem(at + ".enum", "expected a non-empty list of strings");
            }
            spec.path("enum").forEach(e -> {
                if (!e.isTextual() || e.asText().isBlank() || !e.asText().equals(e.asText().strip())) {
                    problem(at + ".enum", "each allowed value must be a non-blank string without surrounding spaces");
                }
                allowed.add(e.asText());
            });
            if (spec.has("min_length") || spec.has("max_length") || spec.has("pattern")) {
                problem(at, "an enum fixes the values; it takes no min_length, max_length or pattern");
            }
            return new StringType(1, allowed.stream().mapToInt(String::length).max().orElse(1), allowed, null);
        }
        int minLength = (int) integer(spec, "min_length", at, 1, 1_000_000, 1L);
        int maxLength = (int) integer(spec, "max_length", at, 1, 1_000_000, null);
        if (minLength > maxLength) {
            problem(at + ".min_length", "is greater than max_length");
        }
        Pattern pattern = null;
        if (spec.has("pattern")) {
            try {
                pattern = Pattern.compile(spec.get("pattern").asText());
            } catch (PatternSyntaxException e) {
                problem(at + ".pattern", "not a valid regular expression: " + e.getDescription());
            }
        }
        return new StringType(minLength, maxLength, allowed, pattern);
    }

    private IntegerType integerType(JsonNode spec, String at) {
        long minimum = integer(spec, "minimum", at, Long.MIN_VALUE, Long.MAX_VALUE, null);
        long maximum = integer(spec, "maximum", at, Long.MIN_VALUE, Long.MAX_VALUE, null);
        if (minimum > maximum) {
            problem(at + ".minimum", "is greater than maximum");
        }
        return new IntegerType(minimum, maximum);
    }

    private List<String> roles(JsonNode node, String at) {
        if (node == null) {
            return List.of("user", "assistant");
        }
        List<String> roles = new ArrayList<>();
        node.forEach(r -> roles.add(r.asText()));
        if (!node.isArray() || roles.isEmpty() || !Set.of("user", "assistant").containsAll(roles)) {
            problem(at + ".roles", "expected a list drawn from \"user\" and \"assistant\"");
        }
        return roles;
    }

    private TaskOutput output(JsonNode node) {
        if (node == null || !node.isObject()) {
            problem("output", "expected {\"type\": \"text\"} or {\"type\": \"json\", \"schema\": {...}}");
            return null;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "text" -> {
                onlyKeys(node, Set.of("type"), "output");
                return new TaskOutput.Text();
            }
            case "json" -> {
                onlyKeys(node, Set.of("type", "schema"), "output");
                OutputSchema schema = OutputSchema.compile(node.path("schema"), file + ": output.schema", problems);
                return schema == null ? null : new TaskOutput.Json(name, schema);
            }
            default -> {
                problem("output.type", "must be text or json");
                return null;
            }
        }
    }

    private List<String> lines(JsonNode node, String key) {
        List<String> lines = new ArrayList<>();
        if (node == null || !node.isArray() || node.isEmpty()) {
            problem(key, "expected a non-empty list of lines");
            return lines;
        }
        node.forEach(line -> {
            if (!line.isTextual()) {
                problem(key, "every line must be a string");
            }
            lines.add(line.asText());
        });
        return lines;
    }

    private double temperature(JsonNode node) {
        if (node == null || !node.isNumber() || node.doubleValue() < 0 || node.doubleValue() > 2) {
            problem("temperature", "expected a number from 0 to 2");
            return 0;
        }
        return node.doubleValue();
    }

    private String text(JsonNode node, String key, String at) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            problem(join(at, key), "expected a non-empty string");
            return "";
        }
        return value.asText();
    }

    private long integer(JsonNode node, String key, String at, long min, long max, Long fallback) {
        JsonNode value = node.get(key);
        if (value == null && fallback != null) {
            return fallback;
        }
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            problem(join(at, key), "expected an integer from " + min + " to " + max);
            return Math.max(min, Math.min(max, 1));
        }
        return value.longValue();
    }

    private void onlyKeys(JsonNode node, Set<String> allowed, String at) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!allowed.contains(key)) {
                problem(join(at, key), "unknown key");
            }
        }
    }

    private void problem(String at, String message) {
        problems.add(new Problem(at.isEmpty() ? file : file + ": " + at, message));
    }

    private static String join(String at, String key) {
        return at.isEmpty() ? key : at + "." + key;
    }
}
