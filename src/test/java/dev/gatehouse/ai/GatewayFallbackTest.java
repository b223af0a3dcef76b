package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.Usage;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static dev.gatehouse.ai.GatewayFixture.keyOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which upstream failures fall back to the next deployment, which do not, and what the caller sees when all fail. */
class GatewayFallbackTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String PRIMARY = GatewayFixture.PRIMARY;
    static final String SECONDARY = GatewayFixture.SECONDARY;

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    private final List<Usage> usages = new CopyOnWriteArrayList<>();

    private Gateway primaryThenSecondary(GatewayFixture fixture) {
        return gateways.build(fixture.primaryThenSecondary(upstream.baseUrl()).listener(usages::add));
    }

    private Gateway primaryThenSecondary() {
        return primaryThenSecondary(gateway());
    }

    private static void primaryAnswers(ResponseDefinitionBuilder response) {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(response));
    }

    private static void secondaryAnswers(String content) {
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion(content))));
    }

    @Test
    void healthyPrimaryServesWithItsOwnModelIdAndKey() {
        primaryAnswers(okJson(ProviderWire.openAiCompletion("Hello from primary")));
        Gateway gateway = primaryThenSecondary();

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.body().at("/choices/0/message/content").asText()).isEqualTo("Hello from primary");
        assertThat(completion.body().path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(completion.usage()).extracting(Usage::deployment, Usage::attempts, Usage::promptTokens, Usage::completionTokens,
                Usage::source, Usage::outcome).containsExactly("primary", 1, 19, 10, TokenSource.UPSTREAM, Outcome.COMPLETED);
        upstream.verify(postRequestedFor(urlEqualTo(PRIMARY))
                .withHeader("Authorization", equalTo("Bearer " + keyOf("primary")))
                .withRequestBody(matchingJsonPath("$.model", equalTo("upstream-primary")))
                .withRequestBody(matchingJsonPath("$.max_tokens", equalTo("1000"))));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 504})
    void serverErrorFallsBackToNextDeployment(int status) {
        primaryAnswers(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("The server had an error while processing your request.", "server_error", null, null)));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary();

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.body().at("/choices/0/message/content").asText()).isEqualTo("Hello from secondary");
        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        assertThat(completion.usage().attempts()).isEqualTo(2);
    }

    @Test
    void serverErrorIsRetriedOnTheSameDeploymentWhenPolicyAllows() {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).inScenario("flaky").whenScenarioStateIs("Started")
                .willReturn(aResponse().withStatus(500)).willSetStateTo("recovered"));
        upstream.stubFor(post(urlEqualTo(PRIMARY)).inScenario("flaky").whenScenarioStateIs("recovered")
                .willReturn(okJson(ProviderWire.openAiCompletion("second try"))));
        Gateway gateway = primaryThenSecondary(gateway().retry(2, 10, 20, 5_000));

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("primary");
        assertThat(completion.usage().attempts()).isEqualTo(2);
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void rateLimitFallsBackWhenNoRetryIsLeft() {
        primaryAnswers(aResponse().withStatus(429).withHeader("retry-after", "1").withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
                        "requests", null, "rate_limit_exceeded")));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary();

        assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("secondary");
    }

    @Test
    void upstreamTimeoutFallsBack() {
        primaryAnswers(okJson(ProviderWire.openAiCompletion("too late")).withFixedDelay(1_500));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary(gateway().attemptTimeoutMs(300));

        long start = System.nanoTime();
        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_400);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK", "RANDOM_DATA_THEN_CLOSE"})
    void connectionFaultFallsBack(String fault) {
        primaryAnswers(aResponse().withFault(Fault.valueOf(fault)));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary();

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY)));
    }

    @Test
    void refusedConnectionFallsBack() {
        secondaryAnswers("Hello from secondary");
        Gateway gateway = gateways.build(gateway().openAi("primary", "http://127.0.0.1:1/v1")
                .openAi("secondary", upstream.baseUrl() + "/secondary/v1")
                .route("gpt-4o-mini", "primary", "secondary"));

        assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("secondary");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"id\":\"chatcmpl-1\",\"object\":\"chat.comp", "<html><body>502 Bad Gateway</body></html>", "{\"object\":\"chat.completion\",\"choices\":[]}"})
    void successStatusWithMalformedBodyFallsBack(String body) {
        primaryAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary();

        assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("secondary");
    }

    /** 401/403: our key is bad; 404: our model id or URL is wrong. Ours to fix, not the caller's: fall back at once. */
    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {401, 403, 404})
    void upstreamRefusingOurKeyOrModelFallsBack(int status) {
        primaryAnswers(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("Incorrect API key provided: sk-test-***5b.", "invalid_request_error", null, "invalid_api_key")));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 20, 5_000));

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "Hi"));

        assertThat(completion.usage().deployment()).isEqualTo("secondary");
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY))); // a bad key is not retried on the same deployment
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {400, 422})
    void callersBadRequestIsNotRetriedNorFallenBack(int status) {
        primaryAnswers(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody(ProviderWire.openAiError("This model's maximum context length is 128000 tokens. " + ProviderWire.UPSTREAM_SECRET_DETAIL,
                        "invalid_request_error", "messages", "context_length_exceeded")));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 20, 5_000));

        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.type()).isEqualTo("invalid_request_error");
        assertThat(error.code()).isEqualTo("context_length_exceeded");
        assertThat(error.param()).isEqualTo("messages");
        assertThat(error.getMessage()).doesNotContain(ProviderWire.UPSTREAM_SECRET_DETAIL, "128000", upstream.baseUrl(), "upstream-primary");
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY)));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void oversizeRequestRejectedUpstreamIsA413ForTheCaller() {
        primaryAnswers(aResponse().withStatus(413).withBody("request entity too large"));
        secondaryAnswers("Hello from secondary");
        Gateway gateway = primaryThenSecondary();

        assertThatThrownBy(() -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")))
                .isInstanceOfSatisfying(Refusal.class, e -> assertThat(e.status()).isEqualTo(413));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void everyDeploymentFailingIsA502ThatLeaksNothingAndChargesNothing() {
        String leakyBody = ProviderWire.openAiError("Internal error at " + ProviderWire.UPSTREAM_SECRET_DETAIL, "server_error", null, null);
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(aResponse().withStatus(500).withBody(leakyBody)));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(aResponse().withStatus(503).withBody(leakyBody)));
        Gateway gateway = primaryThenSecondary();

        Refusal error = catchThrowableOfType(Refusal.class, () -> gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")));

        assertThat(error.status()).isEqualTo(502);
        assertThat(error.code()).isEqualTo("upstream_error");
        assertThat(error.getMessage()).contains("gpt-4o-mini", "not charged")
                .doesNotContain(upstream.baseUrl(), "127.0.0.1", "localhost", "/primary", "primary", "secondary",
                        keyOf("primary"), keyOf("secondary"), ProviderWire.UPSTREAM_SECRET_DETAIL, "Internal error", "upstream-primary");
        assertThat(error.headers().values()).noneMatch(v -> v.contains("sk-test"));
        assertThat(usages).singleElement().satisfies(u -> {
            assertThat(u.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(u.outcome().charged()).isFalse();
            assertThat(u.totalTokens()).isZero();
            assertThat(u.source()).isEqualTo(TokenSource.NONE);
            assertThat(u.deployment()).isNull();
            assertThat(u.attempts()).isEqualTo(2);
        });
    }

    @Test
    void upstreamWithoutUsageIsCountedByTheTokenizer() {
        primaryAnswers(okJson(ProviderWire.openAiCompletionWithoutUsage("The capital of France is Paris.")));
        Gateway gateway = primaryThenSecondary();

        Completion completion = gateway.complete(ask(gateway, "gpt-4o-mini", "What is the capital of France?"));

        assertThat(completion.usage().source()).isEqualTo(TokenSource.TOKENIZER);
        assertThat(completion.usage().completionTokens()).isEqualTo(TokenCounter.count("The capital of France is Paris."));
        assertThat(completion.usage().promptTokens()).isGreaterThan(TokenCounter.count("What is the capital of France?"));
        assertThat(completion.body().at("/usage/total_tokens").asInt()).isEqualTo(completion.usage().totalTokens());
    }
}
