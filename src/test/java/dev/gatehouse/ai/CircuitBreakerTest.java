package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.Completion;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A deployment that keeps failing is skipped without being called, then probed again later. */
class CircuitBreakerTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String PRIMARY = GatewayFixture.PRIMARY;
    static final String SECONDARY = GatewayFixture.SECONDARY;

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    /** Opens after 4 calls with at least half failed, stays open 400 ms, closes again after one good probe. */
    private Gateway breakingGateway() {
        return gateways.build(gateway().breaker(50, 4, 4, 400, 1)
                .primaryThenSecondary(upstream.baseUrl()));
    }

    private void failPrimaryFourTimes(Gateway gateway) {
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("secondary");
        }
    }

    @Test
    void repeatedFailuresOpenTheBreakerAndTheDeploymentIsSkipped() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(aResponse().withStatus(500)));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion("from secondary"))));
        Gateway gateway = breakingGateway();
        failPrimaryFourTimes(gateway);

        Completion skipped = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(gateway.breakerStates()).containsEntry("primary", "OPEN").containsEntry("secondary", "CLOSED");
        assertThat(skipped.usage().deployment()).isEqualTo("secondary");
        assertThat(skipped.usage().attempts()).isEqualTo(1);
        upstream.verify(4, postRequestedFor(urlEqualTo(PRIMARY)));
    }

    @Test
    void openBreakerHalfOpensLaterAndAGoodProbeClosesIt() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(aResponse().withStatus(500)));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion("from secondary"))));
        Gateway gateway = breakingGateway();
        failPrimaryFourTimes(gateway);
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(okJson(ProviderWire.openAiCompletion("primary is back"))));

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("primary"));

        assertThat(gateway.breakerStates()).containsEntry("primary", "CLOSED");
        upstream.verify(5, postRequestedFor(urlEqualTo(PRIMARY)));
    }

    @Test
    void everyBreakerOpenIsA503NoDeploymentAvailable() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(aResponse().withStatus(500)));
        Gateway gateway = gateways.build(gateway().breaker(50, 2, 2, 30_000, 1)
                .openAi("primary", upstream.baseUrl() + "/primary/v1")
                .route("gpt-4o-mini", "primary"));
        for (int i = 0; i < 2; i++) {
            assertThat(catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"))).status())
                    .isEqualTo(502);
        }

        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")));

        assertThat(error.status()).isEqualTo(503);
        assertThat(error.code()).isEqualTo("no_deployment_available");
        assertThat(error.headers()).containsEntry("Retry-After", "30");
        upstream.verify(2, postRequestedFor(urlEqualTo(PRIMARY)));
    }

    @Test
    void callersOwnErrorsDoNotOpenTheBreaker() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(aResponse().withStatus(400)
                .withBody(ProviderWire.openAiError("Invalid 'messages[0].content'", "invalid_request_error", "messages[0].content", null))));
        Gateway gateway = breakingGateway();

        for (int i = 0; i < 6; i++) {
            assertThat(catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"))).status())
                    .isEqualTo(400);
        }

        assertThat(gateway.breakerStates()).containsEntry("primary", "CLOSED");
        upstream.verify(6, postRequestedFor(urlEqualTo(PRIMARY)));
    }
}
