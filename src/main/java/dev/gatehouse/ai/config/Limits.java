package dev.gatehouse.ai.config;

/**
 * Request limits that belong to the gateway rather than to a plan.
 *
 * @param maxInputChars    characters of message content (and tool call arguments) one request may carry
 * @param defaultMaxTokens output limit used when the caller sets none and the API needs one (Anthropic, dev-echo);
 *                         always capped by the caller's plan
 */
public record Limits(int maxInputChars, int defaultMaxTokens, int maxStreamMs) {
    /** Streams end within this by default (10 minutes). */
    public static final int DEFAULT_MAX_STREAM_MS = 600_000;
    /**
     * The longest a stream may run (14 minutes): below the database's reservation TTL (15 minutes,
     * private.ai_reservation_ttl), so a running stream never loses its reservation or stream slot.
     */
    public static final int MAX_STREAM_MS = 840_000;

    public Limits(int maxInputChars, int defaultMaxTokens) {
        this(maxInputChars, defaultMaxTokens, DEFAULT_MAX_STREAM_MS);
    }
}
