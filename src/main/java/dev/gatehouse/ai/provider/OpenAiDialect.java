package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.stream.StreamRelay;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    public ObjectNode fromUpstream(JsonNode body) throws UpstreamFailure {
        if (!(body instanceof ObjectNode completion) || !completion.path("choices").isArray()
                || completion.get("choices").isEmpty() || !completion.get("choices").get(0).path("message").isObject()) {
            throw UpstreamFailure.malformed("a completion without choices[0].message");
        }
        return completion;
    }

    @Override
    public StreamTranslator streamTranslator() {
        return OpenAiDialect::onEvent;
    }

    private static boolean onEvent(String event, String data, StreamRelay relay) throws UpstreamFailure {
        if (data.strip().equals("[DONE]")) {
            return true;
        }
        JsonNode node;
        try {
            node = OpenAiJson.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            throw UpstreamFailure.malformed("a stream event that is not JSON");
        }
        if (node.has("error")) {
            throw UpstreamFailure.of(UpstreamFailure.Kind.SERVER_ERROR, "an error event in the stream");
        }
        if (!(node instanceof ObjectNode chunk) || !chunk.path("choices").isArray()) {
            throw UpstreamFailure.malformed("a stream event that is not a chat.completion.chunk");
        }
        // Groq reports usage under x_groq on its last chunk; everyone else in usage.
        JsonNode usage = chunk.path("usage").isObject() ? chunk.get("usage") : chunk.path("x_groq").path("usage");
        if (usage.isObject()) {
            relay.upstreamUsage(usage.path("prompt_tokens").asInt(-1), usage.path("completion_tokens").asInt(-1));
        }
        chunk.remove("x_groq");
        if (!chunk.get("choices").isEmpty()) {
            relay.chunk(chunk);
        }
        return false;
    }
}
