package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** What a task answers with, and for JSON the schema its answer is held to. */
sealed interface TaskOutput {
    OutputKind kind();

    record Text() implements TaskOutput {
        @Override
        public OutputKind kind() {
            return OutputKind.TEXT;
        }
    }

    /** {@code name} is the task's name: OpenAI shows it to the model and requires it to be a plain identifier. */
    record Json(String name, OutputSchema schema) implements TaskOutput {
        @Override
        public OutputKind kind() {
            return OutputKind.JSON;
        }

        ObjectNode responseFormat() {
            ObjectNode format = JsonNodeFactory.instance.objectNode().put("type", "json_schema");
            format.putObject("json_schema").put("name", name).put("strict", true).set("schema", schema.json());
            return format;
        }
    }
}
