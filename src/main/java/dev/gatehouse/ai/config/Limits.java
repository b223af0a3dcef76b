package dev.gatehouse.ai.config;

/**
 * Request limits that belong to the gateway rather than to a plan.
 *
 * @param maxInputChars    characters of message content (and tool call arguments) one request may carry
 * @param defaultMaxTokens output limit used when the caller sets none and the API needs one (Anthropic, dev-echo);
 *                         always capped by the caller's plan
 */
public record Limits(int maxInputChars, int defaultMaxTokens) {
}
