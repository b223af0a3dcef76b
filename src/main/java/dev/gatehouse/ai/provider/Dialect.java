package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.config.Deployment;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.Headers;

/**
 * What differs between provider APIs: the path, how the key is sent, and the translation of
 * bodies and stream events to and from the canonical OpenAI format. The HTTP mechanism, error
 * classification and SSE reading are shared in {@link HttpUpstream}.
 */
sealed interface Dialect permits OpenAiDialect, AnthropicDialect {

    /** Appended to the provider's base URL. */
    String path();

    /** Adds the provider key the way this API reads it. */
    void authorize(Headers.Builder headers, String apiKey);

    /** The upstream body for a caller request on a deployment. Throws a 400 Refusal for input it cannot express. */
    ObjectNode toUpstream(ChatRequest request, Deployment deployment, boolean stream);

    /**
     * An OpenAI {@code chat.completion} from a successful upstream body for {@code request};
     * MALFORMED when it is not what the API promises.
     */
    Answer fromUpstream(byte[] body, ChatRequest request) throws UpstreamFailure;

    /** A translator for one stream; it may keep state between events. */
    StreamTranslator streamTranslator();
}
