package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.refusal.Refusal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The body of {@code POST /v1/tasks/{task}}, read and checked against one task:
 * {@code {"variables": {...}, "model": "alias", "stream": false, "max_tokens": 500}}.
 *
 * <p>Every problem is collected and all are reported in one 400 (up to {@link #PROBLEMS_SHOWN}),
 * so a form can fix every field at once; {@code param} names the first, as OpenAI's error shape
 * has room for one. Fields a chat request would take (messages, temperature...) are refused, not
 * ignored, so no caller believes it shaped the prompt.
 */
record TaskRequest(String model, boolean stream, int maxTokens, Map<String, Value> values) {
    static final int PROBLEMS_SHOWN = 10;
    private static final Set<String> FIELDS = Set.of("variables", "model", "stream", "max_tokens");
    /** Model aliases as the router names them: {@code gpt-4o-mini}, {@code openrouter/x/y}, {@code qwen2.5:7b}. */
    private static final Pattern MODEL_ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}");

    static TaskRequest read(JsonNode body, Task task) {
        if (body == null || !body.isObject()) {
            throw Refusal.badRequest(null, "The request body must be a JSON object such as {\"variables\": {...}}.");
        }
        List<Problem> problems = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                problems.add(new Problem(name, "unknown field; a task request takes only variables, model, stream and max_tokens, because the task fixes the prompt"));
            }
        }
        String model = model(body.get("model"), task, problems);
        boolean stream = stream(body.get("stream"), task, problems);
        int maxTokens = maxTokens(body.get("max_tokens"), task, problems);
        Map<String, Value> values = variables(body.get("variables"), task, problems);
        if (!problems.isEmpty()) {
            String shown = problems.stream().limit(PROBLEMS_SHOWN).map(Problem::toString).collect(Collectors.joining("; "));
            String more = problems.size() > PROBLEMS_SHOWN ? "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : "";
            throw Refusal.badRequest(problems.getFirst().where(), "Invalid request for task " + task.name() + ": " + shown + more + ".");
        }
        return new TaskRequest(model, stream, maxTokens, values);
    }

    private static String model(JsonNode raw, Task task, List<Problem> problems) {
        if (raw == null || raw.isNull()) {
            return task.model();
        }
        if (!raw.isTextual() || !MODEL_ALIAS.matcher(raw.asText()).matches()) {
            problems.add(new Problem("model", "expected a model alias such as \"" + task.model() + "\""));
        }
        return raw.asText();
    }

    private static boolean stream(JsonNode raw, Task task, List<Problem> problems) {
        if (raw == null || raw.isNull()) {
            return false;
        }
        if (!raw.isBoolean()) {
            problems.add(new Problem("stream", "expected true or false, got " + Problem.typeOf(raw)));
            return false;
        }
        if (raw.booleanValue() && task.outputKind() == OutputKind.JSON) {
            problems.add(new Problem("stream", "task " + task.name() + " answers with checked JSON, which is only returned whole; omit stream"));
        }
        return raw.booleanValue();
    }

    private static int maxTokens(JsonNode raw, Task task, List<Problem> problems) {
        if (raw == null || raw.isNull()) {
            return task.maxTokens();
        }
        if (!raw.isIntegralNumber() || !raw.canConvertToInt() || raw.intValue() < 1 || raw.intValue() > task.maxTokens()) {
            problems.add(new Problem("max_tokens", "expected an integer from 1 to " + task.maxTokens() + " (this task's ceiling)"));
            return task.maxTokens();
        }
        return raw.intValue();
    }

    private static Map<String, Value> variables(JsonNode raw, Task task, List<Problem> problems) {
        if (raw != null && !raw.isNull() && !raw.isObject()) {
            problems.add(new Problem("variables", "expected an object of the task's variables, got " + Problem.typeOf(raw)));
            return Map.of();
        }
        Map<String, Value> values = new HashMap<>();
        for (Variable variable : task.variables()) {
            variable.read(raw == null ? null : raw.get(variable.name()), problems).ifPresent(value -> values.put(variable.name(), value));
        }
        if (raw != null) {
            for (Iterator<String> names = raw.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (task.variables().stream().noneMatch(v -> v.name().equals(name))) {
                    problems.add(new Problem("variables." + name, "unknown variable; task " + task.name() + " takes "
                            + task.variables().stream().map(Variable::name).collect(Collectors.joining(", "))));
                }
            }
        }
        return values;
    }
}
