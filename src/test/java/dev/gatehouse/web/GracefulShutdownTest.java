package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shutdown with a stream open and a non-streaming call in flight, as SIGTERM runs it: the stream gets its final
 * SSE error event at once, the non-streaming call finishes with its answer, and then the port stops accepting.
 * The stream is asked for with {@code Accept-Encoding: gzip} and must still arrive uncompressed, chunk by chunk.
 * (ShutdownDrainTest covers the stream's settlement; this test covers what the callers see.)
 */
class GracefulShutdownTest {
    private static TestDatabase db;
    private static WireMockServer upstream;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(16);
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(matchingJsonPath("$.stream", com.github.tomakehurst.wiremock.client.WireMock.equalTo("true")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(ShutdownDrainTest.slowStream(100))
                        .withChunkedDribbleDelay(100, 30_000)));
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).withRequestBody(matchingJsonPath("$.stream", com.github.tomakehurst.wiremock.client.WireMock.absent()))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withFixedDelay(3_000).withBody("""
                        {"id":"chatcmpl-inflight","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini",
                         "choices":[{"index":0,"message":{"role":"assistant","content":"finished in time","refusal":null},"logprobs":null,"finish_reason":"stop"}],
                         "usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}
                        """)));
    }

    @AfterAll
    static void stop() {
        upstream.stop();
        db.close();
    }

    @Test
    void aStreamGetsItsErrorEventAnInFlightCallFinishesAndThenNothingIsAccepted() throws Exception {
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {"providers": {"openai": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "OPENAI_KEY"}},
                 "deployments": {"mini": {"provider": "openai", "model": "gpt-4o-mini", "timeout_ms": 60000}},
                 "routes": {"gpt-4o-mini": ["mini"]}}
                """.formatted(upstream.baseUrl()));
        RunningService service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", config.toString(), "OPENAI_KEY", "sk-test-slow-0123456789"));
        AuthUser streamer = Users.signUp(db.dataSource(), "streamer");
        AuthUser waiter = Users.signUp(db.dataSource(), "waiter");
        HttpClient http = HttpClient.newHttpClient();
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> encodings = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(chat(service, service.tokenFor(streamer), true), HttpResponse.BodyHandlers.ofLines())
                .thenApply(r -> {
                    encodings.add(r.headers().firstValue("Content-Encoding").orElse("identity"));
                    r.body().forEach(lines::add);
                    return null;
                });
        await().atMost(Duration.ofSeconds(15)).until(() -> lines.stream().anyMatch(l -> l.contains("word")));
        assertThat(stream).as("the first chunks arrived while the upstream still dribbles: flushed per chunk, not buffered for gzip").isNotDone();
        assertThat(lines).allSatisfy(l -> assertThat(l).satisfiesAnyOf(x -> assertThat(x).isEmpty(), x -> assertThat(x).startsWith("data: ")));

        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(chat(service, service.tokenFor(waiter), false), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.countRequestsMatching(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withRequestBody(matchingJsonPath("$.stream", com.github.tomakehurst.wiremock.client.WireMock.absent())).build()).getCount() >= 1);
        String base = service.baseUrl(); // unknown once stopped
        long start = System.nanoTime();
        service.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(stream::isDone);
        assertThat(lines).anyMatch(l -> l.startsWith("data: {\"error\"") && l.contains("server_shutting_down"));
        assertThat(inFlight.get().statusCode()).isEqualTo(200);
        assertThat(inFlight.get().body()).contains("finished in time");
        assertThat(encodings).containsExactly("identity");
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    private static HttpRequest chat(RunningService service, String token, boolean stream) {
        return HttpRequest.newBuilder(URI.create(service.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").header("Accept-Encoding", stream ? "gzip" : "identity")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\"," + (stream ? "\"stream\":true," : "")
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"talk slowly\"}]}"))
                .build();
    }
}
