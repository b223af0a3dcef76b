package dev.gatehouse.ai.chat;

/**
 * Told the final {@link Usage} of every request, failed ones included (outcome {@link Outcome#FAILED},
 * zero tokens), exactly once, on the request's own thread, before {@code complete}/{@code stream}
 * return or throw. For metrics and logs; settlement can use the returned values instead.
 */
@FunctionalInterface
public interface UsageListener {
    UsageListener NONE = usage -> { };

    void onUsage(Usage usage);
}
