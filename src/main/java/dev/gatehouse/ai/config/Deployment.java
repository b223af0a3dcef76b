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
 * @param api            the OpenAI API its model speaks ({@link ModelApi#CHAT} unless the config says otherwise)
 */
public record Deployment(String name, Provider provider, String model, Duration attemptTimeout,
                         boolean enabled, String disabledReason, ModelApi api) {

    /** A chat deployment. */
    public Deployment(String name, Provider provider, String model, Duration attemptTimeout, boolean enabled, String disabledReason) {
        this(name, provider, model, attemptTimeout, enabled, disabledReason, ModelApi.CHAT);
    }

    /** Whether it can answer {@code wanted}: its own API, or any API for the offline dev model. */
    public boolean serves(ModelApi wanted) {
        return api == wanted || provider.kind() == ProviderKind.DEV_ECHO;
    }
}
