package dev.gatehouse.ai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/** One deployment's model, whatever serves it: a provider over HTTP, or the offline dev model. */
sealed interface Upstream permits HttpUpstream, DevEchoModel {

    /** A whole answer as an OpenAI {@code chat.completion}; its {@code usage} only when the model reported one. */
    ObjectNode complete(ChatRequest request, Duration timeout) throws UpstreamFailure;

    /**
     * Streams an answer into {@code relay} as OpenAI chunks, returning when the model finished.
     * {@code firstEventTimeout} bounds the wait for the first event; after it, the deployment's
     * attempt timeout bounds each silence. Throws {@link CallerGone} (from the relay) after cancelling
     * the upstream call when the caller left.
     */
    void stream(ChatRequest request, Duration firstEventTimeout, StreamRelay relay) throws UpstreamFailure;
}
