package dev.gatehouse.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.ModelApi;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The offline dev model's embeddings and images: deterministic, unit length, decodable, and labelled. */
class DevEchoMediaTest {
    private static final Logger log = LoggerFactory.getLogger(DevEchoMediaTest.class);
    private final DevEchoMedia embeddings = new DevEchoMedia(ModelApi.EMBEDDINGS);
    private final DevEchoMedia images = new DevEchoMedia(ModelApi.IMAGES);

    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) OpenAiJson.MAPPER.readTree(json);
    }

    private static double norm(JsonNode vector) {
        double sum = 0;
        for (JsonNode v : vector) {
            sum += v.asDouble() * v.asDouble();
        }
        return Math.sqrt(sum);
    }

    @Test
    void theSameInputAlwaysGivesTheSameUnitVectorOfTheRequestedLength() throws Exception {
        ObjectNode request = body("{\"model\":\"dev-echo\",\"input\":[\"the cat sat\",\"the dog ran\",\"the cat sat\"],\"dimensions\":64}");

        JsonNode first = embeddings.call(request, 3, "req_1", Duration.ofSeconds(1));
        JsonNode again = new DevEchoMedia(ModelApi.EMBEDDINGS).call(request, 3, "req_2", Duration.ofSeconds(1));

        assertThat(first.at("/data").size()).isEqualTo(3);
        assertThat(first.at("/data/0/embedding").size()).isEqualTo(64);
        assertThat(first.at("/data/0/embedding")).isEqualTo(again.at("/data/0/embedding"));
        assertThat(first.at("/data/0/embedding")).as("same text in one request").isEqualTo(first.at("/data/2/embedding"));
        assertThat(first.at("/data/1/embedding")).isNotEqualTo(first.at("/data/0/embedding"));
        assertThat(norm(first.at("/data/1/embedding"))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(first.at("/data/2/index").asInt()).isEqualTo(2);
        assertThat(first.at("/usage/prompt_tokens").asInt()).isPositive();
    }

    @Test
    void withoutDimensionsTheVectorHasTheDefaultLength() throws Exception {
        JsonNode out = embeddings.call(body("{\"model\":\"dev-echo\",\"input\":\"hello\"}"), 1, "req", Duration.ofSeconds(1));

        assertThat(out.at("/data/0/embedding").size()).isEqualTo(DevEchoMedia.DEFAULT_DIMENSIONS);
    }

    @Test
    void base64IsTheSameVectorAsLittleEndianFloat32() throws Exception {
        JsonNode floats = embeddings.call(body("{\"model\":\"dev-echo\",\"input\":\"hello\",\"dimensions\":16}"), 1, "a", Duration.ofSeconds(1));
        JsonNode packed = embeddings.call(body("{\"model\":\"dev-echo\",\"input\":\"hello\",\"dimensions\":16,\"encoding_format\":\"base64\"}"),
                1, "b", Duration.ofSeconds(1));

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(packed.at("/data/0/embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(16 * Float.BYTES);
        for (int i = 0; i < 16; i++) {
            assertThat(bytes.getFloat()).isEqualTo(floats.at("/data/0/embedding/" + i).floatValue());
        }
    }

    @Test
    void tokenArraysAreEmbeddedAsOneInputEach() throws Exception {
        JsonNode one = embeddings.call(body("{\"model\":\"dev-echo\",\"input\":[1,2,3],\"dimensions\":8}"), 1, "a", Duration.ofSeconds(1));
        JsonNode two = embeddings.call(body("{\"model\":\"dev-echo\",\"input\":[[1,2,3],[4]],\"dimensions\":8}"), 2, "b", Duration.ofSeconds(1));

        assertThat(one.at("/data").size()).isEqualTo(1);
        assertThat(two.at("/data").size()).isEqualTo(2);
        assertThat(two.at("/data/0/embedding")).isEqualTo(one.at("/data/0/embedding"));
        assertThat(two.at("/usage/prompt_tokens").asInt()).isEqualTo(4);
    }

    @Test
    void everyGeneratedVectorIsUnitLengthAndRepeatable() {
        long seed = System.nanoTime();
        log.info("seed {}", seed);
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            byte[] raw = new byte[random.nextInt(200)];
            random.nextBytes(raw);
            String text = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1);
            int dimensions = 1 + random.nextInt(4096);
            float[] v = DevEchoMedia.vector(text, dimensions);
            double sum = 0;
            for (float x : v) {
                sum += (double) x * x;
            }
            assertThat(Math.sqrt(sum)).as("seed %d, text #%d, %d dimensions", seed, i, dimensions)
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(DevEchoMedia.vector(text, dimensions)).as("seed %d", seed).isEqualTo(v);
        }
    }

    @Test
    void anImageIsAPngInTheRequestedProportionsLabelledAsDevOutput() throws Exception {
        JsonNode out = images.call(body("{\"model\":\"dev-echo\",\"prompt\":\"a lighthouse at dusk, oil painting\",\"n\":2,\"size\":\"1536x1024\"}"),
                2, "req", Duration.ofSeconds(1));

        assertThat(out.at("/data").size()).isEqualTo(2);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(out.at("/data/0/b64_json").asText())));
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(DevEchoPicture.LONG_SIDE);
        assertThat(png.getHeight()).isEqualTo(DevEchoPicture.LONG_SIDE * 1024 / 1536);
        assertThat(out.at("/data/0/revised_prompt").asText()).startsWith("[dev-echo").endsWith("a lighthouse at dusk, oil painting");
        assertThat(out.at("/data/0/b64_json").asText()).as("image 1 of 2 is not image 2 of 2").isNotEqualTo(out.at("/data/1/b64_json").asText());
        assertThat(out.at("/output_format").asText()).isEqualTo("png");
    }

    @Test
    void theSamePromptDrawsTheSamePictureAndTheUrlFormIsADataUrl() throws Exception {
        ObjectNode request = body("{\"model\":\"dev-echo\",\"prompt\":\"a red bicycle\",\"response_format\":\"url\"}");

        JsonNode first = images.call(request, 1, "a", Duration.ofSeconds(1));
        JsonNode again = images.call(request, 1, "b", Duration.ofSeconds(1));

        String url = first.at("/data/0/url").asText();
        assertThat(url).startsWith("data:image/png;base64,");
        assertThat(url).isEqualTo(again.at("/data/0/url").asText());
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))));
        assertThat(png.getWidth()).isEqualTo(png.getHeight()).isEqualTo(DevEchoPicture.LONG_SIDE);
        assertThat(first.at("/data/0").has("b64_json")).isFalse();
    }

    @Test
    void thePictureShowsTheDevEchoBannerAndThePromptsWords() throws Exception {
        BufferedImage empty = ImageIO.read(new ByteArrayInputStream(DevEchoPicture.png(" ", "1024x1024", 1, 1)));
        BufferedImage words = ImageIO.read(new ByteArrayInputStream(DevEchoPicture.png("words words words words", "1024x1024", 1, 1)));

        assertThat(count(words, 0, 28, px -> brightness(px) > 200)).as("white banner text on the dark band").isPositive();
        assertThat(count(empty, 32, words.getHeight() - 8, px -> brightness(px) < 100)).as("no words, no dark ink").isZero();
        assertThat(count(words, 32, words.getHeight() - 8, px -> brightness(px) < 100)).as("the prompt written in dark ink").isPositive();
    }

    private static int brightness(int rgb) {
        return ((rgb >> 16 & 0xff) + (rgb >> 8 & 0xff) + (rgb & 0xff)) / 3;
    }

    /** Pixels between rows {@code fromY} and {@code toY}, inside the frame, that match. */
    private static int count(BufferedImage image, int fromY, int toY, java.util.function.IntPredicate match) {
        int n = 0;
        for (int y = fromY; y < toY; y++) {
            for (int x = 8; x < image.getWidth() - 8; x++) {
                n += match.test(image.getRGB(x, y)) ? 1 : 0;
            }
        }
        return n;
    }
}
