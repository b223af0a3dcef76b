package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@code POST /v1/chat/completions} body (through {@link Gateway#parse}) before anything is spent on it, answering
 * OpenAI-style 400s that name the offending parameter ({@code messages[2].role}). It checks what
 * the gateway relies on and what a provider would reject anyway; it does not police every field.
 */
public final class ChatRequestValidator {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");
    private static final Set<String> RESPONSE_FORMATS = Set.of("text", "json_object", "json_schema");
    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final List<String> models;
    private final Set<String> modelSet;
    private final int maxInputChars;

    public ChatRequestValidator(List<String> servableModels, int maxInputChars) {
        this.models = List.copyOf(servableModels);
        this.modelSet = Set.copyOf(servableModels);
        this.maxInputChars = maxInputChars;
    }

    /** Returns the body as an object when it is a valid request for a servable model; otherwise throws a 400 {@link Refusal}. */
    public ObjectNode validate(JsonNode body) {
        if (!(body instanceof ObjectNode request)) {
            throw Refusal.badRequest(null, "The request body must be a JSON object.");
        }
        model(request.get("model"));
        long chars = messages(request.get("messages"));
        if (chars > maxInputChars) {
            throw new Refusal(400, "invalid_request_error", "input_too_long", "messages",
                    "The messages hold " + chars + " characters; the limit is " + maxInputChars + ".", Map.of());
        }
        // The limit covers every part the provider reads as input, not only the messages.
        for (String field : TokenCounter.SCHEMA_FIELDS) {
            JsonNode schema = request.get(field);
            chars += present(schema) ? schema.toString().length() : 0;
        }
        if (chars > maxInputChars) {
            throw new Refusal(400, "invalid_request_error", "input_too_long", null,
                    "The messages, tools and response_format hold " + chars + " characters; the limit is " + maxInputChars + ".", Map.of());
        }
        JsonNode n = request.get("n");
        if (present(n) && !(n.isIntegralNumber() && n.asLong() == 1)) {
            throw Refusal.badRequest("n", "n must be 1: the gateway returns one choice per request.");
        }
        range(request, "temperature", 0, 2);
        range(request, "top_p", 0, 1);
        range(request, "presence_penalty", -2, 2);
        range(request, "frequency_penalty", -2, 2);
        positiveInt(request, "max_tokens");
        positiveInt(request, "max_completion_tokens");
        bool(request, "stream");
        JsonNode streamOptions = request.get("stream_options");
        if (present(streamOptions) && !streamOptions.isObject()) {
            throw Refusal.badRequest("stream_options", "stream_options must be an object such as {\"include_usage\": true}.");
        }
        stop(request.get("stop"));
        tools(request.get("tools"), request.get("tool_choice"));
        JsonNode format = request.get("response_format");
        if (present(format) && !RESPONSE_FORMATS.contains(format.path("type").asText())) {
            throw Refusal.badRequest("response_format.type", "response_format.type must be one of text, json_object, json_schema.");
        }
        return request;
    }

    private void model(JsonNode model) {
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw Refusal.badRequest("model", "model is required. Available models: " + String.join(", ", models) + ".");
        }
        if (!modelSet.contains(model.asText())) {
            throw new Refusal(400, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model.asText() + "' does not exist or is not available. Available models: "
                            + String.join(", ", models) + ".", Map.of());
        }
    }

    /** Validates every message and returns the characters of input they carry. */
    private static int messages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw Refusal.badRequest("messages", "messages must be a non-empty array.");
        }
        int chars = 0;
        for (int i = 0; i < messages.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw Refusal.badRequest(param, param + " must be an object with a role and content.");
            }
            String role = message.path("role").asText("");
            if (!ROLES.contains(role)) {
                throw Refusal.badRequest(param + ".role", "Invalid role '" + message.path("role").asText("")
                        + "' in " + param + ". Supported roles: system, developer, user, assistant, tool.");
            }
            int toolCallChars = role.equals("assistant") ? toolCalls(message.get("tool_calls"), param) : -1;
            JsonNode content = message.get("content");
            if (!present(content) && toolCallChars > 0) {
                chars += toolCallChars;
                continue;
            }
            chars += Math.max(toolCallChars, 0) + content(content, role, param + ".content");
            if (role.equals("tool") && !message.path("tool_call_id").isTextual()) {
                throw Refusal.badRequest(param + ".tool_call_id", "A tool message needs the tool_call_id it answers.");
            }
        }
        return chars;
    }

    private static int content(JsonNode content, String role, String param) {
        if (content != null && content.isTextual()) {
            return content.asText().length();
        }
        if (content == null || !content.isArray() || content.isEmpty()) {
            throw Refusal.badRequest(param, param + " must be a string or a non-empty array of content parts.");
        }
        int chars = 0;
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partParam = param + "[" + j + "]";
            switch (part.path("type").asText("")) {
                case "text" -> {
                    if (!part.path("text").isTextual()) {
                        throw Refusal.badRequest(partParam + ".text", "A text part needs a string text.");
                    }
                    chars += part.get("text").asText().length();
                }
                case "image_url" -> {
                    if (!role.equals("user") || !part.path("image_url").path("url").isTextual()) {
                        throw Refusal.badRequest(partParam, "Image parts belong in user messages and need image_url.url.");
                    }
                }
                default -> throw Refusal.badRequest(partParam + ".type",
                        "Unsupported content part type '" + part.path("type").asText("") + "'; use text or image_url.");
            }
        }
        return chars;
    }

    /** Returns the characters of the calls' arguments, or 0 when there are none. */
    private static int toolCalls(JsonNode calls, String param) {
        if (!present(calls)) {
            return 0;
        }
        if (!calls.isArray()) {
            throw Refusal.badRequest(param + ".tool_calls", "tool_calls must be an array.");
        }
        int chars = 0;
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            String callParam = param + ".tool_calls[" + k + "]";
            if (!call.path("id").isTextual() || !call.path("function").path("name").isTextual()
                    || !call.path("function").path("arguments").isTextual()) {
                throw Refusal.badRequest(callParam, callParam + " needs an id and a function with a name and string arguments.");
            }
            chars += call.get("function").get("arguments").asText().length() + 1;
        }
        return chars;
    }

    private static void stop(JsonNode stop) {
        if (!present(stop) || stop.isTextual()) {
            return;
        }
        boolean valid = stop.isArray() && stop.size() <= 4;
        for (JsonNode s : stop) {
            valid &= s.isTextual();
        }
        if (!valid) {
            throw Refusal.badRequest("stop", "stop must be a string or an array of up to 4 strings.");
        }
    }

    private static void tools(JsonNode tools, JsonNode toolChoice) {
        if (present(tools)) {
            if (!tools.isArray()) {
                throw Refusal.badRequest("tools", "tools must be an array of function tools.");
            }
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                if (!"function".equals(tool.path("type").asText())
                        || !FUNCTION_NAME.matcher(tool.path("function").path("name").asText("")).matches()) {
                    throw Refusal.badRequest("tools[" + i + "]",
                            "tools[" + i + "] must be {\"type\":\"function\",\"function\":{\"name\":...}} with a name of letters, digits, _ and - (at most 64).");
                }
            }
        }
        if (!present(toolChoice)) {
            return;
        }
        boolean named = toolChoice.isObject() && "function".equals(toolChoice.path("type").asText())
                && toolChoice.path("function").path("name").isTextual();
        if (!named && !(toolChoice.isTextual() && TOOL_CHOICES.contains(toolChoice.asText()))) {
            throw Refusal.badRequest("tool_choice", "tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\":...}}.");
        }
    }

    private static void range(ObjectNode request, String field, double min, double max) {
        JsonNode value = request.get(field);
        if (present(value) && (!value.isNumber() || value.asDouble() < min || value.asDouble() > max)) {
            throw Refusal.badRequest(field, field + " must be a number from " + fmt(min) + " to " + fmt(max) + ".");
        }
    }

    private static void positiveInt(ObjectNode request, String field) {
        JsonNode value = request.get(field);
        if (present(value) && (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1)) {
            throw Refusal.badRequest(field, field + " must be a positive whole number.");
        }
    }

    private static void bool(ObjectNode request, String field) {
        JsonNode value = request.get(field);
        if (present(value) && !value.isBoolean()) {
            throw Refusal.badRequest(field, field + " must be true or false.");
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
