package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.stream.StreamResult;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.refusal.Refusal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The stream relay: usage always requested upstream, fallback only before the first byte, clean endings when something breaks. */
class StreamingTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String PRIMARY = GatewayFixture.PRIMARY;
    static final String SECONDARY = GatewayFixture.SECONDARY;

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    private Gateway primaryThenSecondary(GatewayFixture fixture) {
        return gateways.build(fixture.primaryThenSecondary(upstream.baseUrl()));
    }

    private Gateway primaryThenSecondary() {
        return primaryThenSecondary(gateway());
    }

    private static ResponseDefinitionBuilder sse(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream; charset=utf-8").withBody(body);
    }

    private static void primaryStreams(ResponseDefinitionBuilder response) {
        upstream.stubFor(post(urlEqualTo(PRIMARY)).willReturn(response));
    }

    private static void secondaryStreams(String... pieces) {
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(sse(ProviderWire.openAiStream(pieces))));
    }

    private static int tokens(String... pieces) {
        return Arrays.stream(pieces).mapToInt(TokenCounter::count).sum();
    }

    @Test
    void usageIsAlwaysRequestedUpstreamAndStrippedWhenTheCallerDidNotAsk() {
        primaryStreams(sse(ProviderWire.openAiStream("Hello", " world", "!")));
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        upstream.verify(postRequestedFor(urlEqualTo(PRIMARY))
                .withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .withRequestBody(matchingJsonPath("$.stream_options.include_usage", equalTo("true"))));
        assertThat(caller.content()).isEqualTo("Hello world!");
        assertThat(caller.endedWithDone()).isTrue();
        assertThat(caller.json()).allSatisfy(chunk -> {
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(chunk.has("usage")).isFalse();
            assertThat(chunk.path("choices")).isNotEmpty();
        });
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.usage()).extracting(Usage::promptTokens, Usage::completionTokens, Usage::source, Usage::deployment)
                .containsExactly(9, 12, TokenSource.UPSTREAM, "primary");
    }

    @Test
    void usageChunkIsRelayedLastWhenTheCallerAsked() {
        primaryStreams(sse(ProviderWire.openAiStream("Hello", " world")));
        // Timeouts are not what this test is about: a generous one keeps a loaded machine from turning it into a fallback test.
        Gateway gateway = primaryThenSecondary(gateway().attemptTimeoutMs(15_000));
        RecordingSink caller = RecordingSink.recording();

        gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", true), caller);

        List<JsonNode> chunks = caller.json();
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("id").asText()).isEqualTo(ProviderWire.OPENAI_ID);
        assertThat(usageChunk.path("usage").path("prompt_tokens").asInt()).isEqualTo(9);
        assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usageChunk.path("usage").path("total_tokens").asInt()).isEqualTo(21);
        assertThat(chunks.subList(0, chunks.size() - 1)).noneMatch(c -> c.has("usage"));
        assertThat(caller.endedWithDone()).isTrue();
    }

    @Test
    void usageChunkIsCountedByTheTokenizerWhenUpstreamSendsNone() {
        String withoutUsage = ProviderWire.openAiStreamCut("Bonjour", " le", " monde") + ProviderWire.openAiChunk("{}", "stop") + "data: [DONE]\n\n";
        primaryStreams(sse(withoutUsage));
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", true), caller);

        assertThat(result.usage().source()).isEqualTo(TokenSource.TOKENIZER);
        assertThat(result.usage().completionTokens()).isEqualTo(tokens("Bonjour", " le", " monde"));
        assertThat(caller.json().getLast().path("usage").path("completion_tokens").asInt()).isEqualTo(result.usage().completionTokens());
    }

    @Test
    void streamFallsBackWhenThePrimaryFailsBeforeTheFirstByte() {
        primaryStreams(aResponse().withStatus(503).withBody(ProviderWire.openAiError("overloaded", "server_error", null, null)));
        secondaryStreams("From", " secondary");
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(caller.content()).isEqualTo("From secondary");
        assertThat(result.usage().deployment()).isEqualTo("secondary");
        assertThat(result.usage().attempts()).isEqualTo(2);
    }

    @Test
    void streamStillFallsBackWhenUpstreamBreaksRightAfterItsRoleChunk() {
        primaryStreams(sse(ProviderWire.openAiStreamCut()));
        secondaryStreams("From", " secondary");
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(result.usage().deployment()).isEqualTo("secondary");
        assertThat(caller.json()).filteredOn(c -> c.at("/choices/0/delta/role").isTextual()).hasSize(1);
        assertThat(caller.content()).isEqualTo("From secondary");
    }

    @Test
    void streamFallsBackWhenTheFirstEventIsLate() {
        primaryStreams(sse(ProviderWire.openAiStream("too", " late")).withFixedDelay(1_500));
        secondaryStreams("on", " time");
        Gateway gateway = primaryThenSecondary(gateway().attemptTimeoutMs(300));
        RecordingSink caller = RecordingSink.recording();

        long start = System.nanoTime();
        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(result.usage().deployment()).isEqualTo("secondary");
        assertThat(caller.content()).isEqualTo("on time");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_400));
    }

    @Test
    void upstreamCutMidStreamEndsTheCallersStreamWithOneCleanErrorEventAndNoFallback() {
        primaryStreams(sse(ProviderWire.openAiStreamCut("Hello", " there", " friend")));
        secondaryStreams("never", " used");
        Gateway gateway = primaryThenSecondary(gateway().retry(3, 10, 20, 5_000));
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(caller.content()).isEqualTo("Hello there friend");
        assertThat(caller.endedWithDone()).isFalse();
        JsonNode last = ProviderWire.json(caller.events().getLast());
        assertThat(last.path("error").path("type").asText()).isEqualTo("server_error");
        assertThat(last.path("error").path("code").asText()).isEqualTo("upstream_error");
        assertThat(last.path("error").has("param")).isTrue();
        assertThat(last.path("error").path("message").asText()).contains("incomplete").doesNotContain("primary", upstream.baseUrl());
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED_AFTER_FIRST_BYTE);
        assertThat(result.usage().completionTokens()).isEqualTo(tokens("Hello", " there", " friend"));
        assertThat(result.usage().source()).isEqualTo(TokenSource.TOKENIZER);
        upstream.verify(1, postRequestedFor(urlEqualTo(PRIMARY)));
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void upstreamFallingSilentMidStreamTimesOutWithAnErrorEvent() throws Exception {
        // WireMock can only dribble evenly, so a plain JDK server plays an upstream that sends some content and then stalls.
        CountDownLatch release = new CountDownLatch(1);
        HttpServer stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stalling.createContext("/stalling/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(ProviderWire.openAiStreamCut("first", " second").getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        stalling.start();
        try {
            secondaryStreams("never", " used");
            // The silence lasts 5 s; the attempt timeout (1.5 s) must end the stream well before that. It is not
            // shorter because the same timeout bounds the first event, which a loaded machine can delay past 300 ms.
            Gateway gateway = gateways.build(gateway().attemptTimeoutMs(1_500)
                    .openAi("stalling", "http://127.0.0.1:" + stalling.getAddress().getPort() + "/stalling/v1")
                    .openAi("secondary", upstream.baseUrl() + "/secondary/v1")
                    .route("gpt-4o-mini", "stalling", "secondary"));
            RecordingSink caller = RecordingSink.recording();

            long start = System.nanoTime();
            StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended by the timeout, not by the upstream's 5 s stall")
                    .isLessThan(Duration.ofMillis(4_500));
            assertThat(result.outcome()).isEqualTo(Outcome.FAILED_AFTER_FIRST_BYTE);
            assertThat(caller.content()).isEqualTo("first second");
            assertThat(caller.json().getLast().at("/error/code").asText()).isEqualTo("upstream_error");
            upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
        } finally {
            release.countDown();
            stalling.stop(0);
        }
    }

    @Test
    void upstreamErrorEventMidStreamEndsWithAnErrorEvent() {
        String body = ProviderWire.openAiStreamCut("Partial")
                + "data: {\"error\":{\"message\":\"The server had an error processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        primaryStreams(sse(body));
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(result.outcome()).isEqualTo(Outcome.FAILED_AFTER_FIRST_BYTE);
        assertThat(caller.content()).isEqualTo("Partial");
        assertThat(caller.json().getLast().path("error").path("message").asText()).doesNotContain("The server had an error");
    }

    @Test
    void callerDisconnectCancelsTheUpstreamCallAndChargesWhatWasGenerated() {
        String[] pieces = new String[40];
        Arrays.setAll(pieces, i -> " word" + i);
        primaryStreams(sse(ProviderWire.openAiStream(pieces)).withChunkedDribbleDelay(40, 4_000));
        AtomicBoolean cancelled = new AtomicBoolean();
        OkHttpClient watched = Gateway.defaultHttpClient().newBuilder().eventListener(new EventListener() {
            @Override
            public void canceled(Call call) {
                cancelled.set(true);
            }
        }).build();
        Gateway gateway = primaryThenSecondary(gateway().http(watched));
        RecordingSink caller = RecordingSink.disconnectingAfter(3); // role chunk, word0, word1; word2 hits a closed connection

        long start = System.nanoTime();
        StreamResult result = gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3_000));
        assertThat(cancelled).isTrue();
        assertThat(result.outcome()).isEqualTo(Outcome.CUT_BY_CALLER);
        assertThat(result.outcome().charged()).isTrue();
        assertThat(caller.content()).isEqualTo(" word0 word1");
        assertThat(result.usage().completionTokens()).isEqualTo(tokens(" word0", " word1", " word2"));
        assertThat(result.usage().promptTokens()).isPositive();
        assertThat(result.usage().deployment()).isEqualTo("primary");
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void everyDeploymentFailingBeforeTheFirstByteThrowsAndWritesNothing() {
        primaryStreams(aResponse().withStatus(500));
        upstream.stubFor(post(urlEqualTo(SECONDARY)).willReturn(aResponse().withStatus(429).withHeader("retry-after", "60")));
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        Refusal error = catchThrowableOfType(Refusal.class,
                () -> gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller));

        assertThat(error.status()).isEqualTo(502);
        assertThat(caller.events()).isEmpty();
    }

    @Test
    void callersBadRequestInAStreamIsA400BeforeAnyByte() {
        primaryStreams(aResponse().withStatus(400).withBody(ProviderWire.openAiError("bad", "invalid_request_error", "tools", null)));
        secondaryStreams("never");
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        Refusal error = catchThrowableOfType(Refusal.class,
                () -> gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller));

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.param()).isEqualTo("tools");
        assertThat(caller.events()).isEmpty();
        upstream.verify(0, postRequestedFor(urlEqualTo(SECONDARY)));
    }

    @Test
    void sseCommentsAndCrLfLineEndingsAreAccepted() {
        String body = (": OPENROUTER PROCESSING\n\n" + ProviderWire.openAiStream("ok")).replace("\n", "\r\n");
        primaryStreams(sse(body));
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

        assertThat(caller.content()).isEqualTo("ok");
        assertThat(caller.endedWithDone()).isTrue();
    }

    @Test
    void jsonAnswerToAStreamRequestIsMalformedAndFallsBack() {
        primaryStreams(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(ProviderWire.openAiCompletion("x")));
        secondaryStreams("streamed");
        Gateway gateway = primaryThenSecondary();
        RecordingSink caller = RecordingSink.recording();

        assertThat(gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller).usage().deployment()).isEqualTo("secondary");
    }
}
