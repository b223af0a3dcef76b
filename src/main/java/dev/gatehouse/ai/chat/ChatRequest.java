package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One caller request in the canonical format (OpenAI Chat Completions), already validated by
 * {@link ChatRequestValidator}. The body is read, never modified: adapters build their own upstream copy.
 *
 * @param body            the caller's JSON body
 * @param alias           the public model alias (the body's {@code model})
 * @param maxOutputTokens the most output tokens the caller's plan allows; the caller's own
 *                        {@code max_tokens}/{@code max_completion_tokens} is clamped to it
 * @param requestId       the request id the HTTP layer assigned, for logs and generated ids
 */
public record ChatRequest(ObjectNode body, String alias, int maxOutputTokens, String requestId) {

    public ChatRequest {
        if (maxOutputTokens < 1) {
            throw new IllegalArgumentException("maxOutputTokens must be positive, got " + maxOutputTokens);
        }
    }

    /** Whether the caller asked for SSE ({@code "stream": true}). */
    public boolean streaming() {
        return body.path("stream").asBoolean(false);
    }

    /** Whether the caller asked for the final usage chunk ({@code stream_options.include_usage}). */
    public boolean includeUsage() {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    /**
     * The output limit to send upstream: the caller's limit clamped to the plan's, or
     * {@code whenAbsent} (also clamped) when the caller set none.
     */
    public int maxTokens(int whenAbsent) {
        JsonNode requested = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        int wanted = requested != null && requested.canConvertToInt() ? requested.asInt() : whenAbsent;
        return Math.min(wanted, maxOutputTokens);
    }
}
