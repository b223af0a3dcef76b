package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
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
        int tokens = 0;
        for (String field : GENERATED_TEXT_FIELDS) {
            tokens += count(messageOrDelta.path(field).asText(""));
        }
        for (JsonNode call : messageOrDelta.path("tool_calls")) {
            for (String field : TOOL_CALL_FUNCTION_FIELDS) {
                tokens += count(call.path("function").path(field).asText(""));
            }
        }
        return tokens;
    }

    /** A message's or delta's fields whose text is generated tokens (also {@link OpenAiRelay}'s rule for relayed chunks). */
    static final List<String> GENERATED_TEXT_FIELDS = List.of("content", "reasoning_content", "reasoning", "refusal");
    /** The fields of a tool call's {@code function} whose text is generated tokens. */
    static final List<String> TOOL_CALL_FUNCTION_FIELDS = List.of("name", "arguments");

    /**
     * An image whose size is unknown (a URL we do not fetch) at OpenAI's published rule for high or auto
     * detail: scaled to fit 2048x2048, then its shortest side to 768, 170 tokens per 512 px tile plus 85.
     * The most tiles that rule yields is 4 x 2 (2048x768), so this bound is never below OpenAI's own count.
     * Models that bill images at a multiple (gpt-4o-mini) report more; settlement charges what they report.
     */
    static final int IMAGE_HIGH_DETAIL_BOUND = 85 + 8 * 170;
    /** OpenAI's fixed cost of a {@code detail: low} image. */
    static final int IMAGE_LOW_DETAIL = 85;

    /**
     * Estimates the prompt of an OpenAI request as the provider bills it: messages (text, images, tool
     * calls), tool and function definitions, and the response_format schema.
     */
    public static int prompt(JsonNode body) {
        long tokens = REPLY_PRIMING;
        for (JsonNode message : body.path("messages")) {
            tokens += PER_MESSAGE + count(message.path("role").asText()) + count(OpenAiJson.text(message.get("content")))
                    + images(message.get("content"));
            for (JsonNode call : message.path("tool_calls")) {
                tokens += count(call.path("function").path("name").asText()) + count(call.path("function").path("arguments").asText());
            }
        }
        for (String schemaField : SCHEMA_FIELDS) {
            JsonNode schema = body.get(schemaField);
            if (schema != null && !schema.isNull() && !schema.isEmpty()) {
                tokens += count(schema.toString());
            }
        }
        return (int) Math.min(tokens, Integer.MAX_VALUE);
    }

    /** Fields whose definitions the provider puts in the prompt. */
    static final java.util.List<String> SCHEMA_FIELDS = java.util.List.of("tools", "functions", "response_format");

    private static int images(JsonNode content) {
        int tokens = 0;
        if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                if ("image_url".equals(part.path("type").asText())) {
                    tokens += "low".equals(part.path("image_url").path("detail").asText()) ? IMAGE_LOW_DETAIL : IMAGE_HIGH_DETAIL_BOUND;
                }
            }
        }
        return tokens;
    }
}
