package dev.gatehouse.ai;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.gatehouse.ai.media.ImageRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Images and embeddings deployments have circuit breakers of their own, opened and skipped as chat's are. */
class MediaBreakerTest {
    private static final String IMAGE_OK = """
            {"created":1713833628,"data":[{"b64_json":"iVBORw0KGgo="}],"usage":{"total_tokens":282,"input_tokens":10,"output_tokens":272,
             "input_tokens_details":{"text_tokens":10,"image_tokens":0}}}""";
    private WireMockServer upstream;

    @BeforeEach
    void start() {
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
    }

    @AfterEach
    void stop() {
        upstream.stop();
    }

    @Test
    void anImageDeploymentWhoseBreakerOpenedIsSkippedAndTheNextAnswers() {
        upstream.stubFor(post(urlEqualTo("/primary/v1/images/generations")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody(ProviderWire.openAiError("The server had an error", "server_error", null, null))));
        upstream.stubFor(post(urlEqualTo("/secondary/v1/images/generations")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(IMAGE_OK)));
        GatewayFixture fixture = GatewayFixture.gateway().openAi("primary", upstream.baseUrl() + "/primary/v1")
                .openAi("secondary", upstream.baseUrl() + "/secondary/v1").api("primary", "images").api("secondary", "images")
                .route("gpt-image-1", "primary", "secondary").breaker(50, 2, 2, 60_000, 1).attemptTimeoutMs(20_000).retry(1, 10, 50, 60_000);
        MediaGateway media = new MediaGateway(fixture.config(), Gateway.defaultHttpClient());
        ImageRequest request = media.parseImages(GatewayFixture.JSON.createObjectNode().put("model", "gpt-image-1").put("prompt", "a cat")
                .put("quality", "low").put("size", "1024x1024"));

        media.images(request, "gpt-image-1", "req_1");
        media.images(request, "gpt-image-1", "req_2");
        MediaGateway.Answer third = media.images(request, "gpt-image-1", "req_3");

        assertThat(media.breakerStates()).containsEntry("primary", "OPEN").containsEntry("secondary", "CLOSED");
        upstream.verify(2, postRequestedFor(urlEqualTo("/primary/v1/images/generations")));
        upstream.verify(3, postRequestedFor(urlEqualTo("/secondary/v1/images/generations")));
        assertThat(third.usage().deployment()).isEqualTo("secondary");
        assertThat(third.usage().attempts()).as("the open breaker's deployment is not tried").isEqualTo(1);
        assertThat(third.body().at("/usage/output_tokens").asInt()).isEqualTo(272);
    }
}
