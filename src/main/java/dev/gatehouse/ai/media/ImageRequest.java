package dev.gatehouse.ai.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.Set;

/**
 * A validated {@code POST /v1/images/generations} body (OpenAI's Create image), read, never changed.
 *
 * @param alias        the public model alias ({@code model})
 * @param n            images asked for (1 to 10)
 * @param size         {@code WxH} or {@code auto}
 * @param quality      {@code auto}, {@code low}, {@code medium}, {@code high}, {@code standard} or {@code hd}
 * @param promptTokens the prompt's tokens as the tokenizer counts them (charged as input)
 */
public record ImageRequest(ObjectNode body, String alias, int n, String size, String quality, int promptTokens) {
    /** OpenAI's limit for the GPT image models (DALL·E took less). */
    static final int MAX_PROMPT_CHARS = 32_000;
    static final List<String> SIZES = List.of("auto", "256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792");
    static final List<String> QUALITIES = List.of("auto", "low", "medium", "high", "standard", "hd");
    private static final Set<String> FIELDS = Set.of("model", "prompt", "n", "size", "quality", "response_format", "style", "background",
            "moderation", "output_format", "output_compression", "user", "stream");

    /** Throws a 400 {@link Refusal} naming the field at fault. */
    static ImageRequest parse(JsonNode json, List<String> servable, int maxInputChars) {
        ObjectNode body = MediaFields.object(json);
        MediaFields.onlyKnown(body, FIELDS);
        String alias = MediaFields.model(body, servable, "image");
        JsonNode prompt = body.get("prompt");
        if (!MediaFields.present(prompt) || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw Refusal.badRequest("prompt", "prompt is required: a text description of the image.");
        }
        int limit = Math.min(MAX_PROMPT_CHARS, maxInputChars);
        if (prompt.asText().length() > limit) {
            throw MediaFields.tooLong("prompt", "The prompt holds " + prompt.asText().length() + " characters; the limit is " + limit + ".");
        }
        int n = MediaFields.integer(body, "n", 1, 10, 1);
        String size = MediaFields.oneOf(body, "size", SIZES, "auto");
        String quality = MediaFields.oneOf(body, "quality", QUALITIES, "auto");
        MediaFields.oneOf(body, "response_format", List.of("url", "b64_json"), null);
        MediaFields.oneOf(body, "style", List.of("vivid", "natural"), null);
        MediaFields.oneOf(body, "background", List.of("transparent", "opaque", "auto"), null);
        MediaFields.oneOf(body, "moderation", List.of("low", "auto"), null);
        MediaFields.oneOf(body, "output_format", List.of("png", "jpeg", "webp"), null);
        MediaFields.integer(body, "output_compression", 0, 100, 100);
        MediaFields.text(body, "user", 256);
        JsonNode stream = body.get("stream");
        if (MediaFields.present(stream) && !(stream.isBoolean() && !stream.asBoolean())) {
            throw Refusal.badRequest("stream", "Streaming image generation is not supported here; leave stream out or false.");
        }
        return new ImageRequest(body, alias, n, size, quality, TokenCounter.count(prompt.asText()));
    }

    /** What admission reserves and a full answer is charged: the prompt, plus every image at its size and quality. */
    public long tokens() {
        return promptTokens + (long) n * ImageMeter.tokensPerImage(size, quality);
    }
}
