package dev.gatehouse.ai.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.Set;

/**
 * A validated {@code POST /v1/embeddings} body (OpenAI's Create embeddings), read, never changed.
 * {@code input} is a string, an array of strings, an array of token ids, or an array of token-id arrays,
 * with OpenAI's limits: at most {@value #MAX_INPUTS} inputs, {@value #MAX_TOKENS_PER_INPUT} tokens each,
 * {@value #MAX_TOTAL_TOKENS} in all.
 *
 * @param inputs      how many embeddings the answer must hold
 * @param inputTokens the inputs' tokens as the tokenizer counts them (token arrays: their length), what admission reserves
 */
public record EmbeddingRequest(ObjectNode body, String alias, int inputs, int inputTokens) {
    static final int MAX_INPUTS = 2048;
    static final int MAX_TOKENS_PER_INPUT = 8192;
    static final int MAX_TOTAL_TOKENS = 300_000;
    static final int MAX_DIMENSIONS = 4096;
    private static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    /** Throws a 400 {@link Refusal} naming the field (for an input, {@code input[i]}) at fault. */
    static EmbeddingRequest parse(JsonNode json, List<String> servable, int maxInputChars) {
        ObjectNode body = MediaFields.object(json);
        MediaFields.onlyKnown(body, FIELDS);
        String alias = MediaFields.model(body, servable, "embedding");
        MediaFields.oneOf(body, "encoding_format", List.of("float", "base64"), "float");
        MediaFields.integer(body, "dimensions", 1, MAX_DIMENSIONS, 0);
        MediaFields.text(body, "user", 256);
        JsonNode input = body.get("input");
        if (!MediaFields.present(input)) {
            throw Refusal.badRequest("input", "input is required: a string, an array of strings, or token arrays.");
        }
        if (input.isTextual() || isTokens(input)) {
            return new EmbeddingRequest(body, alias, 1, tokens(input, "input", maxInputChars));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw Refusal.badRequest("input", "input must be a non-empty string, an array of strings, or token arrays.");
        }
        if (input.size() > MAX_INPUTS) {
            throw Refusal.badRequest("input", "input holds " + input.size() + " items; at most " + MAX_INPUTS + " are allowed.");
        }
        long chars = 0;
        int total = 0;
        for (int i = 0; i < input.size(); i++) {
            JsonNode one = input.get(i);
            String param = "input[" + i + "]";
            if (!one.isTextual() && !isTokens(one)) {
                throw Refusal.badRequest(param, param + " must be a non-empty string or an array of token ids.");
            }
            chars += one.isTextual() ? one.asText().length() : 0;
            if (chars > maxInputChars) {
                throw MediaFields.tooLong("input", "The inputs hold more than " + maxInputChars + " characters, the limit.");
            }
            total += tokens(one, param, maxInputChars);
            if (total > MAX_TOTAL_TOKENS) {
                throw MediaFields.tooLong("input", "The inputs hold more than " + MAX_TOTAL_TOKENS + " tokens, the limit per request.");
            }
        }
        return new EmbeddingRequest(body, alias, input.size(), total);
    }

    private static boolean isTokens(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            return false;
        }
        for (JsonNode token : node) {
            if (!token.isIntegralNumber() || !token.canConvertToInt() || token.asInt() < 0) {
                return false;
            }
        }
        return true;
    }

    private static int tokens(JsonNode one, String param, int maxInputChars) {
        if (one.isTextual() && one.asText().isEmpty()) {
            throw Refusal.badRequest(param, param + " must not be empty.");
        }
        if (one.isTextual() && one.asText().length() > maxInputChars) {
            throw MediaFields.tooLong(param, param + " holds " + one.asText().length() + " characters; the limit is " + maxInputChars + ".");
        }
        int tokens = one.isTextual() ? TokenCounter.count(one.asText()) : one.size();
        if (tokens > MAX_TOKENS_PER_INPUT) {
            throw MediaFields.tooLong(param, param + " holds " + tokens + " tokens; the limit is " + MAX_TOKENS_PER_INPUT + " per input.");
        }
        return tokens;
    }
}
