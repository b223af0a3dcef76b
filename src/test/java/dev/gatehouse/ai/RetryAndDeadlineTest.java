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

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retry-After, backoff on the same deployment, the per-attempt timeout and the overall deadline. */
class RetryAndDeadlineTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String PRIMARY = GatewayFixture.PRIMARY;
    static final String SECONDARY = GatewayFixture.SECONDARY;

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    private Gateway primaryThenSecondary(GatewayFixture fixture) {
        return gateways.build(fixture.primaryThenSecondary(upstream.baseUrl()));
    }

    /** The primary answers {@code first}, then succeeds. */
    private static void primaryFailsOnceWith(ResponseDefinitionBuilder first) {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).inScenario("once").whenScenarioStateIs("Started")
                .willReturn(first).willSetStateTo("ok"));
        upstream.stubFor(post(urlEqualTo(PRIMARY)).inScenario("once").whenScenarioStateIs("ok")
                .willReturn(okJson(ProviderWire.openAiCompletion("after waiting"))));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion("from secondary"))));
    }

    private static ResponseDefinitionBuilder rateLimited(String retryAfter) {
        return aResponse().withStatus(429).withHeader("retry-after", retryAfter).withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("Rate limit reached for requests", "requests", null, "rate_limit_exceeded"));
    }

    private static Duration gapBetweenPrimaryRequests() {
        List<ServeEvent> events = upstream.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(PRIMARY))
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
                .toList();
        assertThat(events).hasSize(2);
        return Duration.between(events.get(0).getRequest().getLoggedDate().toInstant(), events.get(1).getRequest().getLoggedDate().toInstant());
    }

    @Test
    void retryAfterWithinBudgetIsHonouredOnTheSameDeployment() {
        primaryFailsOnceWith(rateLimited("1"));
        Gateway gateway = primaryThenSecondary(gateway().retry(2, 10, 50, 5_000));

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("primary");
        assertThat(completion.usage().attempts()).isEqualTo(2);
        assertThat(gapBetweenPrimaryRequests()).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void retryAfterBeyondTheDeadlineMovesOnAtOnce() {
        primaryFailsOnceWith(rateLimited("30"));
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 50, 3_000));

        long start = System.nanoTime();
        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_000));
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY)));
    }

    @Test
    void retryAfterAsHttpDateIsHonoured() {
        String inTwoSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(2).atOffset(ZoneOffset.UTC));
        primaryFailsOnceWith(aResponse().withStatus(503).withHeader("Retry-After", inTwoSeconds));
        Gateway gateway = primaryThenSecondary(gateway().retry(2, 10, 50, 5_000));

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("primary");
        // The date has one-second resolution, so the wait is at least one second.
        assertThat(gapBetweenPrimaryRequests()).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
    }


    @Test
    void overallDeadlineBoundsTheWholeRequest() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(okJson(ProviderWire.openAiCompletion("slow")).withFixedDelay(3_000)));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion("slow")).withFixedDelay(3_000)));
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 50, 600).attemptTimeoutMs(2_000));

        long start = System.nanoTime();
        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(error.status()).isEqualTo(502);
        assertThat(error.getMessage()).contains("in time");
        assertThat(took).isBetween(Duration.ofMillis(550), Duration.ofMillis(1_500));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void backoffWaitsBetweenRetriesWithinTheCeiling() {
        primaryFailsOnceWith(aResponse().withStatus(500));
        Gateway gateway = primaryThenSecondary(gateway().retry(2, 300, 300, 5_000));

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("primary");
        // full jitter: anywhere from no wait to the 300 ms ceiling, never more (plus scheduling slack)
        assertThat(gapBetweenPrimaryRequests()).isLessThan(Duration.ofMillis(800));
    }

    /** Provider-controlled waits far past any deadline, in both headers: each moves on at once, never sleeps, never overflows. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"retry-after-ms, 1e13", "retry-after, 1e12", "retry-after-ms, 9.3e18", "retry-after, 1e300"})
    void aHugeRetryAfterMovesOnToTheNextDeploymentAtOnce(String header, String value) {
        primaryFailsOnceWith(aResponse().withStatus(429).withHeader(header, value).withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("Rate limit reached for requests", "requests", null, "rate_limit_exceeded")));
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 50, 20_000));

        // well inside the 20 s deadline: a request that slept on the hint would still be sleeping
        Completion completion = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(8),
                () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")));

        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY)));
    }

}
