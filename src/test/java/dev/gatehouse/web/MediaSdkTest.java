package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.BadRequestException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.Image;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK as a client of both endpoints, against the service in dev mode with the
 * built-in config and no provider key: dev-echo stands in for gpt-image-1 and text-embedding-3-small,
 * and says so in its headers.
 */
class MediaSdkTest {
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(8);
        service = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static OpenAIClient sdk(AuthUser u) {
        return OpenAIOkHttpClient.builder().baseUrl(service.baseUrl() + "/v1").apiKey(service.tokenFor(u)).maxRetries(0).build();
    }

    private static AuthUser user() throws Exception {
        return MediaApiTest.userOnPlan(db, null, "gpt-image-1", "text-embedding-3-small");
    }

    private static double norm(List<Float> v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    @Test
    void theSdkEmbedsWithTheRequestedDimensionsAndTheSameInputGivesTheSameUnitVector() throws Exception {
        OpenAIClient client = sdk(user());
        EmbeddingCreateParams params = EmbeddingCreateParams.builder().model("text-embedding-3-small")
                .input(EmbeddingCreateParams.Input.ofArrayOfStrings(List.of("the cat sat", "the dog ran"))).dimensions(256).build();

        HttpResponseFor<CreateEmbeddingResponse> raw = client.embeddings().withRawResponse().create(params);
        CreateEmbeddingResponse first = raw.parse();
        CreateEmbeddingResponse again = client.embeddings().create(params);

        assertThat(first.data()).hasSize(2);
        assertThat(first.data().get(0).embedding()).hasSize(256);
        assertThat(norm(first.data().get(1).embedding())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(again.data().get(0).embedding()).isEqualTo(first.data().get(0).embedding());
        assertThat(first.data().get(1).embedding()).isNotEqualTo(first.data().get(0).embedding());
        assertThat(first.model()).isEqualTo("dev-echo");
        assertThat(first.usage().promptTokens()).isPositive();
        assertThat(raw.headers().values("x-gatehouse-dev-stand-in")).singleElement().asString().contains("text-embedding-3-small");
        assertThat(raw.headers().values(MediaEndpoints.DEV_OUTPUT_HEADER)).singleElement().asString().contains("dev-echo");
    }

    @Test
    void floatAndBase64EncodingsGiveTheSameVectorThroughTheSdk() throws Exception {
        OpenAIClient client = sdk(user());
        EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model("text-embedding-3-small").input("hello").dimensions(32);

        List<Float> floats = client.embeddings().create(params.encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build())
                .data().get(0).embedding();
        List<Float> decoded = client.embeddings().create(params.encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build())
                .data().get(0).embedding();

        assertThat(decoded).hasSize(32).isEqualTo(floats);
    }

    @Test
    void theSdkGeneratesAPngThatDecodesAndIsCharged() throws Exception {
        AuthUser u = user();

        ImagesResponse images = sdk(u).images().generate(ImageGenerateParams.builder().model("gpt-image-1").prompt("a lighthouse at dusk")
                .size(ImageGenerateParams.Size._1024X1024).quality(ImageGenerateParams.Quality.LOW).n(2).build());

        List<Image> data = images.data().orElseThrow();
        assertThat(data).hasSize(2);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data.get(0).b64Json().orElseThrow())));
        assertThat(png.getWidth()).isEqualTo(png.getHeight()).isPositive();
        assertThat(data.get(0).revisedPrompt()).hasValueSatisfying(p -> assertThat(p).contains("dev-echo", "a lighthouse at dusk"));
        assertThat(images.usage().orElseThrow().outputTokens()).isEqualTo(2 * 272);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Connection c = db.connect()) {
                assertThat(Postgrest.scalar(c, "select completion_tokens from public.ai_usage where user_id = ?", u.id())).isEqualTo(544);
            }
        });
    }

    @Test
    void theSdkRaisesItsTypedErrorsForRefusals() throws Exception {
        AuthUser embeddingsOnly = MediaApiTest.userOnPlan(db, null, "text-embedding-3-small");
        OpenAIClient client = sdk(embeddingsOnly);

        assertThatThrownBy(() -> client.images().generate(ImageGenerateParams.builder().model("gpt-image-1").prompt("x").build()))
                .isInstanceOfSatisfying(PermissionDeniedException.class, e -> assertThat(e.code()).hasValue("model_not_allowed"));
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder().model("gpt-4o-mini").input("x").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("model"));
    }
}
