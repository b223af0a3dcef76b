package dev.gatehouse.quota;

import java.time.Instant;

/**
 * A user's limits and what is left of them right after an admission decision.
 *
 * @param requestsLimit null when the plan has no monthly request limit
 * @param tokensLimit   null when the plan has no monthly token limit
 */
public record Limits(
        String planId,
        int rpmLimit,
        int rpmRemaining,
        double rpmResetSeconds,
        Instant periodStart,
        Instant periodEnd,
        Integer requestsLimit,
        int requestsUsed,
        Long tokensLimit,
        long tokensUsed) {}
