package dev.gatehouse.ai.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.config.ModelApi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;

/**
 * The offline dev model for images and embeddings: no network, no key, no cost, and nothing anyone
 * could take for a real model's output. An embedding is a pseudo-random unit vector seeded by the
 * SHA-256 of the input, so the same input always gives the same vector (of the requested
 * {@code dimensions}, default {@value #DEFAULT_DIMENSIONS}); an image is a small PNG showing the
 * prompt under a dev-echo label ({@link DevEchoPicture}), and its {@code revised_prompt} says so too.
 */
final class DevEchoMedia implements MediaUpstream {
    static final int DEFAULT_DIMENSIONS = 1536;
    static final String LABEL = DevEchoModel.LABEL;

    private final ModelApi api;

    DevEchoMedia(ModelApi api) {
        this.api = api;
    }

    @Override
    public ObjectNode call(ObjectNode body, int items, String requestId, Duration timeout) {
        return api == ModelApi.EMBEDDINGS ? embeddings(body) : images(body, items);
    }

    private static ObjectNode embeddings(ObjectNode body) {
        int dimensions = body.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        boolean base64 = "base64".equals(body.path("encoding_format").asText("float"));
        JsonNode input = body.get("input");
        ObjectNode out = OpenAiJson.NODES.objectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        int tokens = 0;
        // A string, or a token array, is one input; an array of either is many.
        boolean single = input.isTextual() || input.isArray() && !input.isEmpty() && input.get(0).isNumber();
        int count = single ? 1 : input.size();
        for (int i = 0; i < count; i++) {
            JsonNode one = single ? input : input.get(i);
            String text = one.isTextual() ? one.asText() : "tokens:" + one;
            tokens += one.isTextual() ? TokenCounter.count(text) : one.size();
            float[] vector = vector(text, dimensions);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                item.put("embedding", base64(vector));
            } else {
                ArrayNode numbers = item.putArray("embedding");
                for (float v : vector) {
                    numbers.add(v);
                }
            }
        }
        out.put("model", "dev-echo");
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return out;
    }

    /** A unit vector (in float32, as the wire carries it) that depends on nothing but the text and the length. */
    static float[] vector(String text, int dimensions) {
        Random random = new Random(ByteBuffer.wrap(sha256(text)).getLong());
        double[] raw = new double[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            raw[i] = random.nextGaussian();
            norm += raw[i] * raw[i];
        }
        norm = Math.sqrt(norm);
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (raw[i] / norm);
        }
        return vector;
    }

    /** OpenAI's base64 encoding: the float32 values little-endian, back to back. */
    static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static ObjectNode images(ObjectNode body, int n) {
        String prompt = body.path("prompt").asText();
        String size = body.path("size").asText("auto");
        boolean url = "url".equals(body.path("response_format").asText());
        ObjectNode out = OpenAiJson.NODES.objectNode();
        out.put("created", OpenAiJson.now());
        ArrayNode data = out.putArray("data");
        for (int i = 1; i <= n; i++) {
            String png = Base64.getEncoder().encodeToString(DevEchoPicture.png(prompt, size, i, n));
            ObjectNode item = data.addObject();
            if (url) {
                item.put("url", "data:image/png;base64," + png);
            } else {
                item.put("b64_json", png);
            }
            item.put("revised_prompt", LABEL + prompt);
        }
        out.put("background", "opaque");
        out.put("output_format", "png");
        out.put("size", size);
        return out;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
