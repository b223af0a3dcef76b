package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.stream.SseWriter;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.web.ErrorBodies;
import io.javalin.Javalin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.EventListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway behind a real Javalin server, as the HTTP layer will mount it, read by real clients:
 * {@code java.net.http} parsing SSE by hand, and the official OpenAI Java SDK.
 */
class GatewayOverHttpTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final List<Usage> usages = new CopyOnWriteArrayList<>();
    /** When set, the usage listener (the gateway's bookkeeping after a stream's last event) waits for it. */
    private volatile CountDownLatch bookkeepingHeld;
    private final AtomicBoolean upstreamCancelled = new AtomicBoolean();
    private Gateway gateway;
    private Javalin server;
    private String baseUrl;

    @BeforeEach
    void start() {
        gateway = gateway().devEcho("dev-echo").route("dev-echo", "dev-echo")
                .openAi("slow", upstream.baseUrl() + "/slow/v1").route("gpt-4o-mini", "slow")
                .anthropic("anthropic", upstream.baseUrl() + "/anthropic").route("claude-haiku", "anthropic")
                .http(Gateway.defaultHttpClient().newBuilder().eventListener(new EventListener() {
                    @Override
                    public void canceled(Call call) {
                        upstreamCancelled.set(true);
                    }
                }).build())
                .listener(usage -> {
                    usages.add(usage);
                    CountDownLatch held = bookkeepingHeld;
                    if (held != null) {
                        try {
                            held.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })
                .build();
        server = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/chat/completions", ctx -> {
                ChatRequest request = gateway.parse(GatewayFixture.JSON.readTree(ctx.bodyInputStream()), 1_000, "req_http");
                if (!request.streaming()) {
                    ctx.contentType("application/json").result(GatewayFixture.JSON.writeValueAsBytes(gateway.complete(request).body()));
                    return;
                }
                gateway.stream(request, new SseWriter(() -> {
                    ctx.status(200).contentType("text/event-stream");
                    ctx.header("Cache-Control", "no-cache");
                    return ctx.res().getOutputStream(); // not ctx.outputStream(): Javalin buffers that one whole

                }));
            });
            config.routes.exception(Refusal.class, (e, ctx) -> ErrorBodies.write(ctx, e));
        }).start("127.0.0.1", 0);
        baseUrl = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.stop();
        gateway.close();
    }

    private HttpResponse<InputStream> postChat(String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void streamArrivesAsServerSentEventsEndingWithDone() throws Exception {
        HttpResponse<InputStream> response = postChat(
                "{\"model\":\"dev-echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"over the wire\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        List<String> lines;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            lines = reader.lines().toList();
        }
        List<String> data = lines.stream().filter(l -> !l.isEmpty()).toList();
        assertThat(data).allMatch(l -> l.startsWith("data: "));
        assertThat(lines).filteredOn(String::isEmpty).hasSameSizeAs(data); // every event ends with a blank line
        assertThat(data.getLast()).isEqualTo("data: [DONE]");
        StringBuilder text = new StringBuilder();
        for (String line : data.subList(0, data.size() - 1)) {
            text.append(ProviderWire.json(line.substring(6)).at("/choices/0/delta/content").asText(""));
        }
        assertThat(text.toString()).endsWith("You said: over the wire");
    }

    @Test
    void aFinishedStreamsResponseEndsWithItsLastEventNotWithTheBookkeepingAfterIt() throws Exception {
        // the handler's work after [DONE] (here the usage listener) is held until the caller has read the whole body
        bookkeepingHeld = new CountDownLatch(1);
        try {
            HttpResponse<InputStream> response = postChat(
                    "{\"model\":\"dev-echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"end now\"}]}");
            CompletableFuture<List<String>> body = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    return reader.lines().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });

            // the response ends (the reader sees its end) while the handler is still held: it was not waiting for the handler
            List<String> lines = body.get(10, TimeUnit.SECONDS);
            assertThat(lines.stream().filter(l -> !l.isEmpty()).toList().getLast()).isEqualTo("data: [DONE]");
            // and the bookkeeping came after the end, and was still held when the caller saw it
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usages).singleElement()
                    .satisfies(u -> assertThat(u.outcome()).isEqualTo(Outcome.COMPLETED)));
            assertThat(bookkeepingHeld.getCount()).isEqualTo(1);
        } finally {
            bookkeepingHeld.countDown();
        }
    }

    @Test
    void failureBeforeTheFirstByteIsAnOrdinaryJsonErrorWithItsStatus() throws Exception {
        upstream.stubFor(post(urlEqualTo("/slow/v1/chat/completions")).willReturn(aResponse().withStatus(500)));

        HttpResponse<InputStream> response = postChat(
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode body = GatewayFixture.JSON.readTree(response.body());
        assertThat(body.at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(body.at("/error/type").asText()).isEqualTo("server_error");
    }

    @Test
    void clientDisconnectMidStreamCancelsTheUpstreamCall() throws Exception {
        String[] pieces = new String[60];
        Arrays.setAll(pieces, i -> " token" + i);
        upstream.stubFor(post(urlEqualTo("/slow/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(ProviderWire.openAiStream(pieces))
                .withChunkedDribbleDelay(60, 6_000)));
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";
        // A raw socket, so that closing it really drops the connection, as a browser tab closing does.
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int events = 0;
            while (events < 3) {
                events += reader.readLine().startsWith("data: ") ? 1 : 0;
            }
        }

        await().atMost(Duration.ofSeconds(4)).untilAsserted(() -> assertThat(usages).singleElement()
                .satisfies(u -> assertThat(u.outcome()).isEqualTo(Outcome.CUT_BY_CALLER)));
        assertThat(upstreamCancelled).isTrue();
        assertThat(usages.getFirst().completionTokens()).isPositive().isLessThan(TokenCounter.count(String.join("", pieces)));
    }

    @Test
    void officialOpenAiSdkReadsACompletion() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey("gh_test").maxRetries(0).build();

        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("dev-echo").addUserMessage("from the SDK").build());

        assertThat(completion.choices().getFirst().message().content()).hasValueSatisfying(c -> assertThat(c).endsWith("You said: from the SDK"));
        assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
    }

    @Test
    void officialOpenAiSdkReadsATranslatedAnthropicStreamWithUsage() {
        upstream.stubFor(post(urlEqualTo("/anthropic/v1/messages")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(ProviderWire.anthropicStream("Hello", " from", " Claude"))));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey("gh_test").maxRetries(0).build();
        StringBuilder text = new StringBuilder();
        List<Long> completionTokens = new ArrayList<>();

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("claude-haiku").addUserMessage("Hi")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> completionTokens.add(u.completionTokens()));
            });
        }

        assertThat(text.toString()).isEqualTo("Hello from Claude");
        assertThat(completionTokens).containsExactly(15L);
    }

    @Test
    void officialOpenAiSdkRaisesOnTheMidStreamErrorEvent() {
        upstream.stubFor(post(urlEqualTo("/slow/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(ProviderWire.openAiStreamCut("Half", " an", " answer"))));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey("gh_test").maxRetries(0).build();
        StringBuilder text = new StringBuilder();

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini").addUserMessage("Hi").build())) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOf(OpenAIException.class);
        assertThat(text.toString()).isEqualTo("Half an answer");
    }
}
