package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/**
 * The canonical format's shapes, built and read in one place: OpenAI {@code chat.completion} and
 * {@code chat.completion.chunk} objects, usage, and message text. Adapters that translate from
 * another format, dev-echo and the relay all build them here, so callers see one shape.
 */
public final class OpenAiJson {
    public static final ObjectMapper MAPPER = pooledMapper();
    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OpenAiJson() {}

    /**
     * A mapper whose read and write buffers come from one shared pool. Jackson's default pool is per thread,
     * and every request here runs on a new virtual thread, so each parse and each serialisation allocated
     * its buffers afresh (8-16 KiB a call, about a seventh of what a chat call allocated).
     */
    public static ObjectMapper pooledMapper() {
        return new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }

    /** The text of a message's content: the string itself, or its text parts joined. Images count as nothing. */
    public static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(part.path("text").asText());
            }
        }
        return text.toString();
    }

    /** A {@code chat.completion.chunk} with one choice whose delta the caller fills in. */
    public static ObjectNode chunk(String id, long created, String model, String finishReason) {
        ObjectNode chunk = chunkWithoutChoices(id, created, model);
        ObjectNode choice = chunk.withArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    public static ObjectNode chunkWithoutChoices(String id, long created, String model) {
        ObjectNode chunk = NODES.objectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        chunk.putArray("choices");
        return chunk;
    }

    /** The delta object of a chunk's first choice. */
    public static ObjectNode delta(ObjectNode chunk) {
        return (ObjectNode) chunk.get("choices").get(0).get("delta");
    }

    /** A {@code chat.completion} with one choice. */
    public static ObjectNode completion(String id, long created, String model, ObjectNode message, String finishReason, ObjectNode usage) {
        ObjectNode completion = NODES.objectNode();
        completion.put("id", id);
        completion.put("object", "chat.completion");
        completion.put("created", created);
        completion.put("model", model);
        ArrayNode choices = completion.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        completion.set("usage", usage);
        return completion;
    }

    /** An assistant message with text content (null when there is none, as OpenAI sends alongside tool calls). */
    public static ObjectNode assistantMessage(String content) {
        ObjectNode message = NODES.objectNode();
        message.put("role", "assistant");
        if (content == null) {
            message.putNull("content");
        } else {
            message.put("content", content);
        }
        message.putNull("refusal");
        return message;
    }

    public static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = NODES.objectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
