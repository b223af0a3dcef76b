package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.chat.OpenAiRelay;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.stream.StreamRelay;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import okhttp3.Headers;

/**
 * OpenAI Chat Completions and the APIs that copy it (Groq, Gemini's OpenAI endpoint, OpenRouter,
 * Ollama, vLLM). The canonical format already, so translation is small: the deployment's model, the
 * output limit under the field this provider reads, and usage always requested on streams.
 */
final class OpenAiDialect implements Dialect {

    @Override
    public String path() {
        return "/chat/completions";
    }

    @Override
    public void authorize(Headers.Builder headers, String apiKey) {
        headers.set("Authorization", "Bearer " + apiKey);
    }

    @Override
    public ObjectNode toUpstream(ChatRequest request, Deployment deployment, boolean stream) {
        // A shallow copy: only top-level fields change, the caller's messages are shared, not copied.
        ObjectNode body = OpenAiJson.NODES.objectNode();
        body.setAll(request.body());
        body.put("model", deployment.model());
        body.remove("max_tokens");
        body.remove("max_completion_tokens");
        body.put(deployment.provider().maxTokensParam(), request.maxTokens(request.maxOutputTokens()));
        if (stream) {
            body.put("stream", true);
            // Usage is what settlement charges, so it is asked for even when the caller did not ask;
            // the relay drops it from the caller's stream in that case.
            ObjectNode options = OpenAiJson.NODES.objectNode();
            if (request.body().get("stream_options") instanceof ObjectNode callerOptions) {
                options.setAll(callerOptions);
            }
            options.put("include_usage", true);
            body.set("stream_options", options);
        } else {
            body.remove("stream");
            body.remove("stream_options");
        }
        return body;
    }

    @Override
    public Answer fromUpstream(byte[] body, ChatRequest request) throws UpstreamFailure {
        try {
            return OpenAiRelay.completion(body, request.alias());
        } catch (OpenAiRelay.NotRelayable e) {
            throw UpstreamFailure.malformed(e.getMessage());
        }
    }

    @Override
    public StreamTranslator streamTranslator() {
        return OpenAiDialect::onEvent;
    }

    private static boolean onEvent(String event, String data, StreamRelay relay) throws UpstreamFailure {
        if (data.strip().equals("[DONE]")) {
            return true;
        }
        OpenAiRelay.Chunk chunk;
        try {
            chunk = OpenAiRelay.chunk(data.getBytes(StandardCharsets.UTF_8), relay.alias());
        } catch (OpenAiRelay.NotRelayable e) {
            throw UpstreamFailure.malformed(e.getMessage());
        }
        if (chunk.error()) {
            throw UpstreamFailure.of(UpstreamFailure.Kind.SERVER_ERROR, "an error event in the stream");
        }
        if (chunk.choices() < 0) {
            throw UpstreamFailure.malformed("a stream event that is not a chat.completion.chunk");
        }
        // Groq reports usage under x_groq on its last chunk; everyone else in usage (OpenAiRelay reads both).
        relay.upstreamUsage(chunk.promptTokens(), chunk.completionTokens());
        if (chunk.choices() > 0) {
            relay.chunk(chunk);
        }
        return false;
    }
}
