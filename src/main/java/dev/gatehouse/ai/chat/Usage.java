package dev.gatehouse.ai.chat;

import java.time.Duration;

/**
 * What one request cost and how it went: what settlement charges and metrics record.
 *
 * @param deployment the deployment that served it; null when none did ({@link Outcome#FAILED})
 * @param attempts   upstream attempts made, retries and fallbacks included
 * @param latency    from the gateway receiving the request to its last byte
 */
public record Usage(
        String requestId,
        String alias,
        Outcome outcome,
        String deployment,
        int promptTokens,
        int completionTokens,
        TokenSource source,
        int attempts,
        Duration latency) {

    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    public static Usage failed(ChatRequest request, int attempts, Duration latency) {
        return new Usage(request.requestId(), request.alias(), Outcome.FAILED, null, 0, 0, TokenSource.NONE, attempts, latency);
    }
}
