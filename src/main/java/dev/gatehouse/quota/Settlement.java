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
        String usageSource) {}
