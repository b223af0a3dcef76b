package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The relay as it was before {@link OpenAiRelay}: {@code readTree}, rewrite the tree, serialise.
 * Kept as the oracle the byte relay is checked against, and as the "before" of {@code RelayCostBench}.
 */
public final class TreeRelay {

    /** What the tree path made of a completion: the caller's body, and usage (-1 when the gateway had to count it). */
    public record Completion(ObjectNode body, int promptTokens, int completionTokens) {}

    /** What the tree path made of a chunk: null body when it was not relayed. */
    public record Chunk(ObjectNode body, boolean error, boolean notAChunk, String id, long created, int tokens, boolean finished,
            int promptTokens, int completionTokens) {}

    private TreeRelay() {}

    /** Null when the body is malformed (the tree path's MALFORMED). */
    public static Completion completion(byte[] upstream, String alias) {
        JsonNode body;
        try {
            body = OpenAiJson.MAPPER.readTree(upstream);
        } catch (IOException e) {
            return null;
        }
        if (!(body instanceof ObjectNode completion) || !completion.path("choices").isArray()
                || completion.get("choices").isEmpty() || !completion.get("choices").get(0).path("message").isObject()) {
            return null;
        }
        completion.put("model", alias);
        JsonNode usage = completion.path("usage");
        if (usage.path("prompt_tokens").canConvertToInt() && usage.path("completion_tokens").canConvertToInt()) {
            return new Completion(completion, usage.get("prompt_tokens").asInt(), usage.get("completion_tokens").asInt());
        }
        return new Completion(completion, -1, -1);
    }

    /** The serialised body the caller got, as the tree path wrote it. */
    public static byte[] bytes(ObjectNode body) {
        return OpenAiJson.bytes(body);
    }

    /** Null when the event's data is not JSON (the tree path's MALFORMED). */
    public static Chunk chunk(String data, String alias) {
        JsonNode node;
        try {
            node = OpenAiJson.MAPPER.readTree(data);
        } catch (IOException e) {
            return null;
        }
        if (node.has("error")) {
            return new Chunk(null, true, false, null, 0, 0, false, -1, -1);
        }
        if (!(node instanceof ObjectNode chunk) || !chunk.path("choices").isArray()) {
            return new Chunk(null, false, true, null, 0, 0, false, -1, -1);
        }
        JsonNode usage = chunk.path("usage").isObject() ? chunk.get("usage") : chunk.path("x_groq").path("usage");
        int prompt = usage.isObject() ? usage.path("prompt_tokens").asInt(-1) : -1;
        int completion = usage.isObject() ? usage.path("completion_tokens").asInt(-1) : -1;
        chunk.remove("x_groq");
        if (chunk.get("choices").isEmpty()) {
            return new Chunk(null, false, false, null, 0, 0, false, prompt, completion);
        }
        chunk.put("model", alias);
        chunk.remove("usage");
        int tokens = 0;
        boolean finished = false;
        for (JsonNode choice : chunk.path("choices")) {
            tokens += TokenCounter.generated(choice.path("delta"));
            finished |= !choice.path("finish_reason").isNull() && !choice.path("finish_reason").isMissingNode();
        }
        return new Chunk(chunk, false, false, chunk.path("id").asText(null), chunk.path("created").asLong(Long.MIN_VALUE), tokens,
                finished, prompt, completion);
    }
}
