package dev.gatehouse.ai.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation of images and embeddings bodies, and the image meter's rates. */
class MediaRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MediaRequests requests = new MediaRequests(List.of("gpt-image-1", "dev-echo"), List.of("text-embedding-3-small", "dev-echo"), 1_000);

    private static void refused(Runnable call, String param, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.param()).isEqualTo(param);
            assertThat(r.code()).isEqualTo(code);
        });
    }

    @Test
    void theImageMeterChargesOpenAisOutputTokensScaledByPixels() {
        assertThat(ImageMeter.tokensPerImage("1024x1024", "low")).isEqualTo(272);
        assertThat(ImageMeter.tokensPerImage("1024x1024", "medium")).isEqualTo(1_056);
        assertThat(ImageMeter.tokensPerImage("1024x1024", "high")).isEqualTo(4_160);
        assertThat(ImageMeter.tokensPerImage("1024x1536", "medium")).isEqualTo(1_584);
        assertThat(ImageMeter.tokensPerImage("1024x1536", "high")).isEqualTo(6_240);
        assertThat(ImageMeter.tokensPerImage("256x256", "standard")).isEqualTo(66);
        assertThat(ImageMeter.tokensPerImage("1792x1024", "hd")).isEqualTo(7_280);
    }

    @Test
    void whatIsUnknownBeforeTheAnswerIsChargedAtItsLargest() {
        assertThat(ImageMeter.tokensPerImage("auto", "auto")).isEqualTo(ImageMeter.tokensPerImage("1536x1024", "high"));
        assertThat(ImageMeter.tokensPerImage("1024x1024", "auto")).isEqualTo(ImageMeter.tokensPerImage("1024x1024", "high"));
    }

    @Test
    void anImageRequestReservesItsPromptAndEveryImage() throws Exception {
        ImageRequest request = requests.images(JSON.readTree("{\"model\":\"gpt-image-1\",\"prompt\":\"a cat\",\"n\":3,\"size\":\"1024x1024\",\"quality\":\"low\"}"));

        assertThat(request.n()).isEqualTo(3);
        assertThat(request.promptTokens()).isPositive();
        assertThat(request.tokens()).isEqualTo(request.promptTokens() + 3L * 272);
    }

    @Test
    void imageBodiesAreRefusedNamingTheField() {
        refused(() -> requests.images(JSON.createArrayNode()), null, null);
        refused(() -> requests.images(tree("{\"prompt\":\"x\"}")), "model", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-4o\",\"prompt\":\"x\"}")), "model", "model_not_found");
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"  \"}")), "prompt", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"" + "x".repeat(1_001) + "\"}")), "prompt", "input_too_long");
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"n\":0}")), "n", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"n\":1.5}")), "n", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"quality\":\"ultra\"}")), "quality", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"response_format\":\"png\"}")), "response_format", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"output_compression\":101}")), "output_compression", null);
        refused(() -> requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"partial_images\":2}")), "partial_images", "unknown_parameter");
    }

    @Test
    void nullFieldsCountAsAbsentAsOpenAisSdksSendThem() {
        ImageRequest request = requests.images(tree("{\"model\":\"gpt-image-1\",\"prompt\":\"x\",\"n\":null,\"size\":null,\"quality\":null}"));

        assertThat(request.n()).isEqualTo(1);
        assertThat(request.size()).isEqualTo("auto");
        assertThat(request.quality()).isEqualTo("auto");
    }

    @Test
    void embeddingInputsCountAsOneOrManyAndAreCounted() {
        assertThat(requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":\"hello world\"}")).inputs()).isEqualTo(1);
        assertThat(requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[\"a\",\"b\",\"c\"]}")).inputs()).isEqualTo(3);
        assertThat(requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[5,6,7]}")).inputTokens()).isEqualTo(3);
        EmbeddingRequest arrays = requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[[5,6],[7]]}"));
        assertThat(arrays.inputs()).isEqualTo(2);
        assertThat(arrays.inputTokens()).isEqualTo(3);
    }

    @Test
    void embeddingBodiesAreRefusedNamingTheField() {
        refused(() -> requests.embeddings(tree("{\"model\":\"gpt-image-1\",\"input\":\"x\"}")), "model", "model_not_found");
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\"}")), "input", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":\"\"}")), "input", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[\"ok\",3.5]}")), "input[1]", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[-1]}")), "input[0]", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":{\"text\":\"x\"}}")), "input", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":[\"" + "y".repeat(600) + "\",\"" + "y".repeat(600) + "\"]}")),
                "input", "input_too_long");
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":\"x\",\"dimensions\":4097}")), "dimensions", null);
        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":\"x\",\"user\":7}")), "user", null);
    }

    @Test
    void moreThanTwoThousandFortyEightInputsAreRefused() {
        String many = "[" + String.join(",", java.util.Collections.nCopies(2049, "[1]")) + "]";

        refused(() -> requests.embeddings(tree("{\"model\":\"dev-echo\",\"input\":" + many + "}")), "input", null);
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
