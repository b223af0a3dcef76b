package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streams that outlive their welcome: shutdown mid-stream, and a stream longer than limits.max_stream_ms.
 * Each ends with one SSE error event, is settled for what it generated (a ledger row, no reservation
 * left), and frees its slot. The provider is a real OpenAI SSE stream dribbled out over many seconds.
 */
class ShutdownDrainTest {
    private static TestDatabase db;
    private static WireMockServer upstream;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(16);
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(slowStream(200)).withChunkedDribbleDelay(200, 30_000)));
    }

    /** An OpenAI SSE body of {@code words} chunks ("word0 ", "word1 ", ...) and [DONE], for WireMock to dribble out. */
    static String slowStream(int words) {
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sse.append("data: {\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word").append(i).append(" \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        return sse.append("data: [DONE]\n\n").toString();
    }

    @AfterAll
    static void stop() {
        upstream.stop();
        db.close();
    }

    private static RunningService service(Integer maxStreamMs) throws Exception {
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {"providers": {"openai": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "OPENAI_KEY"}},
                 "deployments": {"mini": {"provider": "openai", "model": "gpt-4o-mini", "timeout_ms": 60000}},
                 "routes": {"gpt-4o-mini": ["mini"]}%s}
                """.formatted(upstream.baseUrl(), maxStreamMs == null ? "" : ", \"limits\": {\"max_stream_ms\": " + maxStreamMs + "}"));
        return RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", config.toString(), "OPENAI_KEY", "sk-test-slow-0123456789"));
    }

    /** Starts a stream and collects its lines as they arrive. */
    private static CompletableFuture<HttpResponse<Void>> stream(RunningService service, String token, List<String> lines) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(service.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"talk slowly\"}]}"))
                .build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenApply(r -> {
                    r.body().forEach(lines::add);
                    return r;
                }).thenApply(r -> null);
    }

    private static void assertSettledWithNothingReserved(AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from private.ai_reservations where user_id = ?", u.id())).isEqualTo(0L);
            assertThat(Postgrest.scalar(c, "select outcome from public.ai_usage where user_id = ?", u.id())).isEqualTo("failed_after_first_byte");
        }
    }

    @Test
    void shutdownMidStreamEndsTheStreamWithAnErrorEventAndSettlesItBeforeClosing() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "sigterm");
        RunningService service = service(null);
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<Void>> response = stream(service, service.tokenFor(u), lines);
        await().atMost(Duration.ofSeconds(15)).until(() -> lines.stream().anyMatch(l -> l.contains("word")));

        long start = System.nanoTime();
        service.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        await().atMost(Duration.ofSeconds(10)).until(response::isDone);
        assertThat(lines).anyMatch(l -> l.startsWith("data: {\"error\"") && l.contains("server_shutting_down"));
        assertThat(lines).noneMatch(l -> l.equals("data: [DONE]"));
        assertSettledWithNothingReserved(u);
    }

    @Test
    void aStreamLongerThanTheMaximumDurationIsEndedWithAnErrorEvent() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "marathon");
        try (RunningService service = service(1_500)) {
            List<String> lines = new CopyOnWriteArrayList<>();
            CompletableFuture<HttpResponse<Void>> response = stream(service, service.tokenFor(u), lines);

            await().atMost(Duration.ofSeconds(15)).until(response::isDone);

            assertThat(lines).anyMatch(l -> l.startsWith("data: {\"error\""));
            assertThat(lines).noneMatch(l -> l.equals("data: [DONE]"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertSettledWithNothingReserved(u));
        }
    }
}
