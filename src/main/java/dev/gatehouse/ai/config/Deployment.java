package dev.gatehouse.ai.config;

import java.time.Duration;

/**
 * A model at a provider, as one step of a route.
 *
 * @param model          the upstream model id sent to the provider
 * @param attemptTimeout the most one attempt may take (non-streaming: the whole call; streaming: until
 *                       the first event, and then the longest silence between two events)
 * @param enabled        false when its provider has no key, it is switched off, or it is dev-only in production
 * @param disabledReason why it is disabled, for the start-up log; null when enabled
 */
public record Deployment(String name, Provider provider, String model, Duration attemptTimeout,
                         boolean enabled, String disabledReason) {
}
