package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.stream.StreamRelay;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Translates one Anthropic Messages stream into OpenAI chunks: {@code message_start} → the role
 * chunk (and prompt tokens), text deltas → {@code content}, a {@code tool_use} block and its
 * {@code input_json_delta}s → {@code tool_calls} deltas (numbered in order of appearance), {@code message_delta}
 * → {@code finish_reason} (and completion tokens), {@code message_stop} → the end; {@code error} → a failure.
 */
final class AnthropicStream implements StreamTranslator {
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>(4);
    private String id;
    private long created;

    @Override
    public boolean onEvent(String event, String data, StreamRelay relay) throws UpstreamFailure {
        JsonNode node;
        try {
            node = OpenAiJson.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            throw UpstreamFailure.malformed("a stream event that is not JSON");
        }
        String type = node.path("type").asText(event == null ? "" : event);
        switch (type) {
            case "message_start" -> {
                JsonNode message = node.path("message");
                id = "chatcmpl-" + message.path("id").asText();
                created = OpenAiJson.now();
                if (message.path("usage").has("input_tokens")) {
                    relay.upstreamUsage(AnthropicDialect.promptTokens(message.get("usage")), -1);
                }
                ObjectNode chunk = chunk(null);
                OpenAiJson.delta(chunk).put("role", "assistant").put("content", "");
                relay.chunk(chunk);
            }
            case "content_block_start" -> blockStart(node.path("index").asInt(), node.path("content_block"), relay);
            case "content_block_delta" -> blockDelta(node.path("index").asInt(), node.path("delta"), relay);
            case "message_delta" -> {
                JsonNode usage = node.path("usage");
                relay.upstreamUsage(usage.has("input_tokens") ? AnthropicDialect.promptTokens(usage) : -1,
                        usage.path("output_tokens").asInt(-1));
                String stopReason = node.path("delta").path("stop_reason").asText(null);
                if (stopReason != null) {
                    relay.chunk(chunk(AnthropicDialect.finishReason(stopReason)));
                }
            }
            case "message_stop" -> {
                return true;
            }
            case "error" -> {
                String errorType = node.path("error").path("type").asText();
                throw UpstreamFailure.of(errorType.equals("rate_limit_error") ? UpstreamFailure.Kind.RATE_LIMITED
                        : UpstreamFailure.Kind.SERVER_ERROR, "an error event in the stream (" + errorType + ")");
            }
            default -> { } // ping, content_block_stop, and event types added after this was written
        }
        return false;
    }

    private void blockStart(int index, JsonNode block, StreamRelay relay) {
        switch (block.path("type").asText()) {
            case "tool_use" -> {
                int toolIndex = toolIndexByBlock.size();
                toolIndexByBlock.put(index, toolIndex);
                ObjectNode chunk = chunk(null);
                ObjectNode call = OpenAiJson.delta(chunk).putArray("tool_calls").addObject();
                call.put("index", toolIndex);
                call.put("id", block.path("id").asText());
                call.put("type", "function");
                call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                relay.chunk(chunk);
            }
            case "text" -> text(block.path("text").asText(), relay);
            default -> { } // thinking blocks are not relayed
        }
    }

    private void blockDelta(int index, JsonNode delta, StreamRelay relay) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> text(delta.path("text").asText(), relay);
            case "input_json_delta" -> {
                Integer toolIndex = toolIndexByBlock.get(index);
                if (toolIndex == null) {
                    return;
                }
                ObjectNode chunk = chunk(null);
                ObjectNode call = OpenAiJson.delta(chunk).putArray("tool_calls").addObject();
                call.put("index", toolIndex);
                call.putObject("function").put("arguments", delta.path("partial_json").asText());
                relay.chunk(chunk);
            }
            default -> { } // thinking_delta, signature_delta
        }
    }

    private void text(String text, StreamRelay relay) {
        if (!text.isEmpty()) {
            ObjectNode chunk = chunk(null);
            OpenAiJson.delta(chunk).put("content", text);
            relay.chunk(chunk);
        }
    }

    private ObjectNode chunk(String finishReason) {
        return OpenAiJson.chunk(id == null ? "chatcmpl-anthropic" : id, created == 0 ? OpenAiJson.now() : created, "", finishReason);
    }
}
