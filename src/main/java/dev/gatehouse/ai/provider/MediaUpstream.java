package dev.gatehouse.ai.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.config.ModelApi;
import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * One deployment's model for the images and embeddings APIs (never streamed): an OpenAI-compatible
 * provider over HTTP, or the offline dev model. Bodies are OpenAI's JSON both ways.
 */
public sealed interface MediaUpstream permits HttpMediaUpstream, DevEchoMedia {

    /** The upstream that serves {@code deployment} for {@code api}; the one place a provider kind picks its implementation. */
    static MediaUpstream of(Deployment deployment, ModelApi api, OkHttpClient http) {
        return switch (deployment.provider().kind()) {
            case OPENAI -> new HttpMediaUpstream(deployment, api, http);
            case DEV_ECHO -> new DevEchoMedia(api);
            case ANTHROPIC -> throw new IllegalArgumentException("deployment " + deployment.name() + ": anthropic serves chat only");
        };
    }

    /**
     * The provider's answer to a validated caller body ({@code model} already the alias; replaced by
     * the deployment's model id upstream). Throws {@link UpstreamFailure} classified as for chat.
     *
     * @param items     how many results the caller asked for: embeddings must answer exactly that many,
     *                  images between one and that many; anything else is MALFORMED
     * @param requestId the gateway's request id, for generated ids and dev output
     */
    ObjectNode call(ObjectNode body, int items, String requestId, Duration timeout) throws UpstreamFailure;
}
