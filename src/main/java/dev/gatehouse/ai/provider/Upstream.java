package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.stream.OpenStreams;
import dev.gatehouse.ai.stream.StreamRelay;
import dev.gatehouse.ai.config.Deployment;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** One deployment's model, whatever serves it: a provider over HTTP, or the offline dev model. */
public sealed interface Upstream permits HttpUpstream, DevEchoModel {
    /**
     * How many times one attempt sends its request again when the provider refuses its HTTP/2 stream
     * unprocessed ({@code REFUSED_STREAM}); past it the attempt fails as a connection failure.
     */
    int REFUSED_RESENDS = 3;

    /**
     * The upstream that serves {@code deployment}: its provider's dialect over HTTP, or the offline
     * dev model. The one place a provider kind picks its implementation, so dialects stay private here.
     */
    static Upstream of(Deployment deployment, int defaultMaxTokens, OkHttpClient http, OpenStreams openStreams) {
        return switch (deployment.provider().kind()) {
            case OPENAI -> new HttpUpstream(deployment, new OpenAiDialect(), http, openStreams);
            case ANTHROPIC -> new HttpUpstream(deployment, new AnthropicDialect(defaultMaxTokens), http, openStreams);
            case DEV_ECHO -> new DevEchoModel(defaultMaxTokens);
        };
    }

    /**
     * A whole answer: an OpenAI {@code chat.completion} tree (its {@code usage} only when the model
     * reported one), or an OpenAI-compatible upstream's bytes relayed with the alias as model and usage reported.
     */
    Answer complete(ChatRequest request, Duration timeout) throws UpstreamFailure;

    /**
     * Streams an answer into {@code relay} as OpenAI chunks, returning when the model finished.
     * {@code firstEventTimeout} bounds the wait for the first event; after it, the deployment's
     * attempt timeout bounds each silence. Throws {@link CallerGone} (from the relay) after cancelling
     * the upstream call when the caller left.
     */
    void stream(ChatRequest request, Duration firstEventTimeout, StreamRelay relay) throws UpstreamFailure;
}
