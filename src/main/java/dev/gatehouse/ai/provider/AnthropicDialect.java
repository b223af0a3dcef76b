package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.Deployment;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import okhttp3.Headers;

/**
 * Anthropic's Messages API, translated to and from OpenAI Chat Completions. System and developer
 * messages become {@code system}; user, assistant and tool messages become content blocks
 * (tool calls {@code tool_use}, tool results {@code tool_result} in a user turn), consecutive turns of
 * one role merged as Anthropic requires. Streams are translated by {@link AnthropicStream}.
 */
final class AnthropicDialect implements Dialect {
    private final int defaultMaxTokens;

    /** @param defaultMaxTokens output limit when the caller sets none (Anthropic requires one); capped by the plan */
    AnthropicDialect(int defaultMaxTokens) {
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public String path() {
        return "/v1/messages";
    }

    @Override
    public void authorize(Headers.Builder headers, String apiKey) {
        headers.set("x-api-key", apiKey);
    }

    @Override
    public ObjectNode toUpstream(ChatRequest request, Deployment deployment, boolean stream) {
        JsonNode in = request.body();
        ObjectNode out = OpenAiJson.NODES.objectNode();
        out.put("model", deployment.model());
        out.put("max_tokens", request.maxTokens(defaultMaxTokens));
        StringBuilder system = new StringBuilder();
        ArrayNode messages = out.putArray("messages");
        JsonNode callerMessages = in.get("messages");
        for (int i = 0; i < callerMessages.size(); i++) {
            JsonNode message = callerMessages.get(i);
            switch (message.path("role").asText()) {
                case "system", "developer" -> appendParagraph(system, OpenAiJson.text(message.get("content")));
                case "user" -> addTurn(messages, "user", userBlocks(message.get("content")));
                case "assistant" -> addTurn(messages, "assistant", assistantBlocks(message, i));
                case "tool" -> addTurn(messages, "user", toolResult(message));
                default -> throw Refusal.badRequest("messages[" + i + "].role", "Unsupported role for this model.");
            }
        }
        appendParagraph(system, responseFormatInstruction(in.get("response_format")));
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        tools(in, out);
        JsonNode stop = in.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        if (in.path("temperature").isNumber()) {
            // OpenAI's range is 0..2, Anthropic's 0..1; and newer Claude models refuse temperature with top_p.
            out.put("temperature", Math.min(in.get("temperature").asDouble(), 1.0));
        } else if (in.path("top_p").isNumber()) {
            out.set("top_p", in.get("top_p"));
        }
        if (in.path("user").isTextual()) {
            out.putObject("metadata").put("user_id", in.get("user").asText());
        }
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    @Override
    public Answer fromUpstream(byte[] bytes, ChatRequest request) throws UpstreamFailure {
        JsonNode body;
        try {
            body = OpenAiJson.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw UpstreamFailure.malformed("a body that is not JSON");
        }
        return new Answer.Tree(completion(body));
    }

    private static ObjectNode completion(JsonNode body) throws UpstreamFailure {
        if (!(body instanceof ObjectNode message) || !"message".equals(message.path("type").asText())
                || !message.path("content").isArray()) {
            throw UpstreamFailure.malformed("a Messages API answer that is not a message");
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = OpenAiJson.NODES.arrayNode();
        for (JsonNode block : message.get("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject();
                    call.put("id", block.path("id").asText());
                    call.put("type", "function");
                    ObjectNode function = call.putObject("function");
                    function.put("name", block.path("name").asText());
                    function.put("arguments", block.path("input").isObject() ? block.get("input").toString() : "{}");
                }
                default -> { } // thinking and server-tool blocks have no OpenAI counterpart
            }
        }
        ObjectNode reply = OpenAiJson.assistantMessage(text.isEmpty() && !toolCalls.isEmpty() ? null : text.toString());
        if (!toolCalls.isEmpty()) {
            reply.set("tool_calls", toolCalls);
        }
        JsonNode usage = message.path("usage");
        return OpenAiJson.completion("chatcmpl-" + message.path("id").asText(), OpenAiJson.now(),
                message.path("model").asText(), reply, finishReason(message.path("stop_reason").asText(null)),
                usage.isObject() ? OpenAiJson.usage(promptTokens(usage), usage.path("output_tokens").asInt()) : null);
    }

    @Override
    public StreamTranslator streamTranslator() {
        return new AnthropicStream();
    }

    /** Anthropic's input_tokens leaves out cached input; OpenAI's prompt_tokens includes it. */
    static int promptTokens(JsonNode usage) {
        return usage.path("input_tokens").asInt() + usage.path("cache_creation_input_tokens").asInt()
                + usage.path("cache_read_input_tokens").asInt();
    }

    static String finishReason(String stopReason) {
        return switch (stopReason == null ? "" : stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    private static ArrayNode userBlocks(JsonNode content) {
        ArrayNode blocks = OpenAiJson.NODES.arrayNode();
        if (content.isTextual()) {
            addText(blocks, content.asText());
            return blocks;
        }
        for (JsonNode part : content) {
            if ("image_url".equals(part.path("type").asText())) {
                blocks.add(image(part.path("image_url").path("url").asText()));
            } else {
                addText(blocks, part.path("text").asText());
            }
        }
        return blocks;
    }

    /** A data URL becomes a base64 source, anything else a URL source. */
    private static ObjectNode image(String url) {
        ObjectNode block = OpenAiJson.NODES.objectNode();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        int comma = url.indexOf(',');
        if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
            source.put("type", "base64");
            source.put("media_type", url.substring(5, comma - ";base64".length()));
            source.put("data", url.substring(comma + 1));
        } else {
            source.put("type", "url");
            source.put("url", url);
        }
        return block;
    }

    private static ArrayNode assistantBlocks(JsonNode message, int index) {
        ArrayNode blocks = OpenAiJson.NODES.arrayNode();
        addText(blocks, OpenAiJson.text(message.get("content")));
        JsonNode calls = message.path("tool_calls");
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            ObjectNode block = blocks.addObject();
            block.put("type", "tool_use");
            block.put("id", call.path("id").asText());
            block.put("name", call.path("function").path("name").asText());
            block.set("input", arguments(call.path("function").path("arguments").asText(), index, k));
        }
        return blocks;
    }

    private static JsonNode arguments(String arguments, int message, int call) {
        try {
            JsonNode input = arguments.isBlank() ? OpenAiJson.NODES.objectNode() : OpenAiJson.MAPPER.readTree(arguments);
            if (input.isObject()) {
                return input;
            }
        } catch (JsonProcessingException e) {
            // reported below: arguments that are not a JSON object cannot become a tool_use input
        }
        throw Refusal.badRequest("messages[" + message + "].tool_calls[" + call + "].function.arguments",
                "Tool call arguments must be a JSON object for this model.");
    }

    private static ArrayNode toolResult(JsonNode message) {
        ArrayNode blocks = OpenAiJson.NODES.arrayNode();
        ObjectNode block = blocks.addObject();
        block.put("type", "tool_result");
        block.put("tool_use_id", message.path("tool_call_id").asText());
        block.put("content", OpenAiJson.text(message.get("content")));
        return blocks;
    }

    /** Anthropic wants alternating turns and no empty ones: same-role neighbours merge, empty ones vanish. */
    private static void addTurn(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("content")).addAll(blocks);
            return;
        }
        ObjectNode turn = messages.addObject();
        turn.put("role", role);
        turn.set("content", blocks);
    }

    private static void addText(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
    }

    private static void tools(JsonNode in, ObjectNode out) {
        JsonNode tools = in.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode translated = out.putArray("tools");
            for (JsonNode tool : tools) {
                JsonNode function = tool.path("function");
                ObjectNode t = translated.addObject();
                t.put("name", function.path("name").asText());
                if (function.path("description").isTextual()) {
                    t.put("description", function.get("description").asText());
                }
                if (function.path("parameters").isObject()) {
                    t.set("input_schema", function.get("parameters"));
                } else {
                    t.putObject("input_schema").put("type", "object");
                }
            }
        }
        JsonNode choice = in.get("tool_choice");
        ObjectNode translated = null;
        if (choice != null && choice.isTextual()) {
            translated = OpenAiJson.NODES.objectNode().put("type", switch (choice.asText()) {
                case "required" -> "any";
                case "none" -> "none";
                default -> "auto";
            });
        } else if (choice != null && choice.isObject()) {
            translated = OpenAiJson.NODES.objectNode().put("type", "tool")
                    .put("name", choice.path("function").path("name").asText());
        }
        if (in.path("parallel_tool_calls").isBoolean() && !in.get("parallel_tool_calls").asBoolean() && out.has("tools")) {
            translated = translated == null ? OpenAiJson.NODES.objectNode().put("type", "auto") : translated;
            translated.put("disable_parallel_tool_use", true);
        }
        if (translated != null && out.has("tools")) {
            out.set("tool_choice", translated);
        }
    }

    /** Anthropic has no response_format; the same request is made in words. */
    private static String responseFormatInstruction(JsonNode format) {
        if (format == null) {
            return "";
        }
        return switch (format.path("type").asText()) {
            case "json_object" -> "Respond with a single valid JSON object and nothing else.";
            case "json_schema" -> "Respond with a single valid JSON object, and nothing else, that matches this JSON schema: "
                    + format.path("json_schema").path("schema");
            default -> "";
        };
    }

    private static void appendParagraph(StringBuilder text, String paragraph) {
        if (!paragraph.isEmpty()) {
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(paragraph);
        }
    }
}
