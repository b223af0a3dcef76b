package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/**
 * One server-side prompt template: what the model is told (fixed here) and which typed variables
 * a caller may fill in. Immutable and shared by every request; everything a request needs was
 * parsed and compiled when the catalog loaded.
 */
public final class Task {
    private final String name;
    private final String description;
    private final String model;
    private final int maxTokens;
    private final double temperature;
    private final List<Variable> variables;
    private final String systemPrompt;
    private final UserTemplate userTemplate;
    private final TaskOutput output;
    private final java.time.Duration cacheTtl;
    private final String version;

    Task(String name, String description, String model, int maxTokens, double temperature,
         List<Variable> variables, String systemPrompt, UserTemplate userTemplate, TaskOutput output,
         java.time.Duration cacheTtl, String version) {
        this.name = name;
        this.description = description;
        this.model = model;
        this.maxTokens = maxTokens;
        this.temperature = temperature;
        this.variables = List.copyOf(variables);
        this.systemPrompt = systemPrompt;
        this.userTemplate = userTemplate;
        this.output = output;
        this.cacheTtl = cacheTtl;
        this.version = version;
    }

    /** How long a result stays fresh in the result cache, or null when the task does not opt in. */
    public java.time.Duration cacheTtl() {
        return cacheTtl;
    }

    /** A digest of the task's file: results cached under another version are never reused. */
    public String version() {
        return version;
    }

    /** The URL segment: {@code POST /v1/tasks/{name}}. */
    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** The model alias used when the request names none. */
    public String model() {
        return model;
    }

    /** The default and the ceiling for a request's {@code max_tokens}. */
    public int maxTokens() {
        return maxTokens;
    }

    public OutputKind outputKind() {
        return output.kind();
    }

    List<Variable> variables() {
        return variables;
    }

    String systemPrompt() {
        return systemPrompt;
    }

    /**
     * Checks a {@code POST /v1/tasks/{task}} body and builds the Chat Completions request for it.
     *
     * @throws dev.gatehouse.refusal.Refusal 400 naming the first bad field, listing all of them
     */
    public RenderedTask render(JsonNode body) {
        TaskRequest request = TaskRequest.read(body, this);
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode chat = nodes.objectNode();
        chat.put("model", request.model());
        ArrayNode messages = chat.putArray("messages");
        messages.addObject().put("role", "system").put("content", systemPrompt);
        messages.addObject().put("role", "user").put("content", userTemplate.render(request.values()));
        chat.put("max_tokens", request.maxTokens());
        chat.put("temperature", temperature);
        if (output instanceof TaskOutput.Json json) {
            chat.set("response_format", json.responseFormat());
        }
        chat.put("stream", request.stream());
        if (request.stream()) {
            chat.putObject("stream_options").put("include_usage", true);
        }
        return new RenderedTask(name, output.kind(), request.model(), request.stream(), chat);
    }

    /**
     * Turns the assistant's content into the task's {@code output}: a JSON string for text tasks,
     * the checked object for JSON tasks (only the schema's properties, in its order).
     *
     * @throws dev.gatehouse.refusal.Refusal 502 {@code invalid_task_output} when there is no
     *     content, or a JSON task's content is not valid JSON matching the schema
     */
    public JsonNode parseOutput(String assistantContent) {
        return switch (output) {
            case TaskOutput.Text text -> {
                if (assistantContent == null) {
                    throw OutputSchema.invalid(name, "the model's answer had no content");
                }
                yield TextNode.valueOf(assistantContent);
            }
            case TaskOutput.Json json -> json.schema().parse(name, assistantContent);
        };
    }

    /**
     * The task as {@code GET /v1/tasks} lists it: name, description, defaults, its variables as a
     * JSON Schema (front ends can build forms from it) and its output. Prompts stay private.
     */
    public ObjectNode describe() {
        ObjectNode task = JsonNodeFactory.instance.objectNode()
                .put("object", "task")
                .put("name", name)
                .put("description", description)
                .put("model", model)
                .put("max_tokens", maxTokens)
                .put("streaming", output.kind() == OutputKind.TEXT);
        ObjectNode schema = task.putObject("variables").put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (Variable v : variables) {
            properties.set(v.name(), v.schema());
            if (v.required()) {
                required.add(v.name());
            }
        }
        schema.put("additionalProperties", false);
        ObjectNode out = task.putObject("output").put("type", output.kind().wireName());
        if (output instanceof TaskOutput.Json json) {
            out.set("schema", json.schema().json());
        }
        return task;
    }
}
