package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * A named input a task declares. Front ends send {@code null}, {@code ""} or {@code []} for a form
 * field left empty, so for an optional variable those count as absent (the default applies);
 * for a required one they are refused by the type's own check ("must not be empty").
 */
record Variable(String name, String description, boolean required, Optional<Value> defaultValue, VariableType type) {

    /** The name errors use, in the shape OpenAI uses for nested parameters. */
    String param() {
        return "variables." + name;
    }

    Optional<Value> read(JsonNode raw, List<Problem> problems) {
        if (raw == null || raw.isNull() || (!required && isEmpty(raw))) {
            if (required) {
                problems.add(new Problem(param(), "missing; expected " + type.expected()));
            }
            return defaultValue;
        }
        return Optional.ofNullable(type.check(raw, param(), problems));
    }

    ObjectNode schema() {
        ObjectNode schema = type.schema().put("description", description);
        defaultValue.ifPresent(value -> {
            switch (value) {
                case Value.Text t -> schema.put("default", t.text());
                case Value.WholeNumber n -> schema.put("default", n.number());
                case Value.Flag f -> schema.put("default", f.flag());
                case Value.Items i -> i.items().forEach(schema.putArray("default")::add);
                case Value.Turns t -> {
                    ArrayNode turns = schema.putArray("default");
                    t.turns().forEach(turn -> turns.addObject().put("role", turn.role()).put("content", turn.content()));
                }
            }
        });
        return schema;
    }

    private static boolean isEmpty(JsonNode raw) {
        return (raw.isTextual() && raw.asText().isBlank()) || (raw.isArray() && raw.isEmpty());
    }
}
