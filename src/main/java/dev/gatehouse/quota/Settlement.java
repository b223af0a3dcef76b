package dev.gatehouse.quota;

import java.util.UUID;

/**
 * What an admitted request actually used.
 *
 * @param outcome     completed, cut_by_caller, failed_after_first_byte, or failed (not charged)
 * @param usageSource "upstream" when the provider reported usage, "tokenizer" when counted here
 */
public record Settlement(
        UUID requestId,
        String outcome,
        int promptTokens,
        int completionTokens,
        String deployment,
        int latencyMs,
        String usageSource) {
    /**
     * Provider numbers are not trusted: negative counts become 0. What a provider reports above the
     * reservation is charged as reported (it is what the provider bills); the quota may then run
     * past its limit by that difference once, and the next admission is refused.
     */
    public Settlement {
        promptTokens = Math.max(promptTokens, 0);
        completionTokens = Math.max(completionTokens, 0);
        latencyMs = Math.max(latencyMs, 0);
    }
}
