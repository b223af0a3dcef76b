package dev.gatehouse.quota;

import java.time.Instant;
import java.util.List;

/** A user's plan and what they used of it this period, for {@code GET /v1/usage} and {@code GET /v1/models}. */
public record UsageSummary(
        String planId,
        Instant periodStart,
        Instant periodEnd,
        Integer requestsLimit,
        int requestsUsed,
        Long tokensLimit,
        long tokensUsed,
        int requestsPerMinute,
        int maxOutputTokens,
        List<String> allowedModels,
        List<String> allowedTasks,
        boolean allowRawChat) {}
