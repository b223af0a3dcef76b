package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens when an upstream reports none, a stream is cut, or for dev-echo: o200k_base
 * (GPT-4o's encoding), a fair estimate for other models too. The encoding loads once per JVM.
 */
public final class TokenCounter {
    /** OpenAI's accounting: each message costs a few tokens of framing, and the reply is primed with three. */
    private static final int PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;

    private static final class Holder {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    private TokenCounter() {}

    /** Loads the encoding now rather than on the first request. */
    public static void warmUp() {
        count("warm up");
    }

    public static int count(String text) {
        return text == null || text.isEmpty() ? 0 : Holder.ENCODING.countTokensOrdinary(text);
    }

    /** Index of the first character past {@code maxTokens} tokens of {@code text}, or its length when it fits. */
    public static int cutAfter(String text, int maxTokens) {
        var result = Holder.ENCODING.encodeOrdinary(text, maxTokens);
        return result.isTruncated() ? Math.max(result.getLastProcessedCharacterIndex(), 0) : text.length();
    }

    /**
     * Tokens the model generated in an OpenAI message or stream delta: its text, reasoning (as
     * Groq and DeepSeek-style APIs return it), refusal, and tool call names and arguments.
     */
    public static int generated(JsonNode messageOrDelta) {
        int tokens = count(messageOrDelta.path("content").asText(""))
                + count(messageOrDelta.path("reasoning_content").asText(""))
                + count(messageOrDelta.path("reasoning").asText(""))
                + count(messageOrDelta.path("refusal").asText(""));
        for (JsonNode call : messageOrDelta.path("tool_calls")) {
            tokens += count(call.path("function").path("name").asText("")) + count(call.path("function").path("arguments").asText(""));
        }
        return tokens;
    }

    /** Estimates the prompt of an OpenAI request: messages (text, tool calls) and tool definitions. */
    public static int prompt(JsonNode body) {
        int tokens = REPLY_PRIMING;
        for (JsonNode message : body.path("messages")) {
            tokens += PER_MESSAGE + count(message.path("role").asText()) + count(OpenAiJson.text(message.get("content")));
            for (JsonNode call : message.path("tool_calls")) {
                tokens += count(call.path("function").path("name").asText()) + count(call.path("function").path("arguments").asText());
            }
        }
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isEmpty()) {
            tokens += count(tools.toString());
        }
        return tokens;
    }
}
