package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The AI endpoints end to end: real service, real database, providers faked with WireMock in their wire formats. */
class GatewayApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRIMARY_KEY = "sk-test-primary-0123456789";
    private static final String BACKUP_KEY = "sk-ant-test-backup-0123456789";
    private static final String OPENAI_OK = """
            {"id":"chatcmpl-abc123","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from OpenAI","refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}""";
    private static final String OPENAI_500 = """
            {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""";
    private static final String ANTHROPIC_OK = """
            {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-haiku-4-5",
             "content":[{"type":"text","text":"Hello from Claude"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":11,"output_tokens":5}}""";
    private static final String ANTHROPIC_529 = """
            {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

    private static TestDatabase db;
    private static WireMockServer upstream;
    private static RunningService service;
    private static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(16);
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {
                  "providers": {
                    "primary": {"kind": "openai", "base_url": "%1$s/v1", "api_key_env": "PRIMARY_KEY"},
                    "backup": {"kind": "anthropic", "base_url": "%1$s", "api_key_env": "BACKUP_KEY"},
                    "dev-echo": {"kind": "dev-echo"}
                  },
                  "deployments": {
                    "primary-mini": {"provider": "primary", "model": "gpt-4o-mini", "timeout_ms": 3000},
                    "backup-haiku": {"provider": "backup", "model": "claude-haiku-4-5", "timeout_ms": 3000},
                    "dev-echo": {"provider": "dev-echo", "model": "dev-echo"}
                  },
                  "routes": {
                    "gpt-4o-mini": ["primary-mini", "backup-haiku"],
                    "dev-echo": ["dev-echo"]
                  },
                  "retry": {"max_attempts_per_deployment": 1, "base_backoff_ms": 10, "max_backoff_ms": 50, "deadline_ms": 10000},
                  "circuit_breaker": {"minimum_calls": 50, "sliding_window_calls": 100}
                }
                """.formatted(upstream.baseUrl()));
        env = Map.of("GATEHOUSE_CONFIG", config.toString(), "PRIMARY_KEY", PRIMARY_KEY, "BACKUP_KEY", BACKUP_KEY);
        service = RunningService.start(db.dataSource(), env);
    }

    @AfterAll
    static void stop() {
        service.close();
        upstream.stop();
        db.close();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.resetAll();
    }

    private static String chat(String model, String text) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static AuthUser userOnPlan(Integer monthlyRequests, int rpm) throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "api");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), monthlyRequests, null, rpm, 256, 2));
        return u;
    }

    private static Object usageRow(String column, AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, "select " + column + " from public.ai_usage where user_id = ? order by id desc limit 1", u.id());
        }
    }

    @Test
    void seededFreeStudentGetsTenRequestsAndTheEleventhIsRefusedForQuota() throws Exception {
        String token = service.tokenFor("student@example.com");

        for (int i = 1; i <= 10; i++) {
            HttpResponse<String> ok = service.post("/v1/chat/completions", token, chat("dev-echo", "question " + i));
            assertThat(ok.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
        }
        HttpResponse<String> eleventh = service.post("/v1/chat/completions", token, chat("dev-echo", "one more"));

        assertThat(eleventh.statusCode()).isEqualTo(429);
        assertThat(json(eleventh).at("/error/code").asText()).isEqualTo("insufficient_quota");
        assertThat(json(eleventh).at("/error/type").asText()).isEqualTo("insufficient_quota");
        assertThat(eleventh.headers().firstValue("retry-after").map(Long::parseLong)).hasValueSatisfying(s -> assertThat(s).isPositive());
        assertThat(eleventh.headers().firstValue("x-ratelimit-limit-requests")).hasValue("10");
        assertThat(eleventh.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(eleventh.headers().firstValue("x-ratelimit-reset-requests")).hasValueSatisfying(v -> assertThat(v).matches("\\d+h\\d+m\\d+s|\\d+m\\d+s|\\d+s"));
        assertThat(eleventh.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
    }

    @Test
    void thirdRequestInAMinuteOnATwoPerMinutePlanIsRateLimited() throws Exception {
        String token = service.tokenFor(userOnPlan(null, 2));

        service.post("/v1/chat/completions", token, chat("dev-echo", "a"));
        service.post("/v1/chat/completions", token, chat("dev-echo", "b"));
        HttpResponse<String> third = service.post("/v1/chat/completions", token, chat("dev-echo", "c"));

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(json(third).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(third.headers().firstValue("retry-after")).isPresent();
        assertThat(third.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(third.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
    }

    @Test
    void aFailingProviderFallsBackToTheNextAndTheServingDeploymentIsCharged() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody(OPENAI_500)));
        upstream.stubFor(post(urlEqualTo("/v1/messages")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(ANTHROPIC_OK)));
        AuthUser u = userOnPlan(100, 100);

        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor(u), chat("gpt-4o-mini", "hello"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).at("/choices/0/message/content").asText()).isEqualTo("Hello from Claude");
        assertThat(json(r).at("/model").asText()).isEqualTo("gpt-4o-mini");
        upstream.verify(postRequestedFor(urlEqualTo("/v1/messages")).withHeader("x-api-key", equalTo(BACKUP_KEY)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("deployment", u)).isEqualTo("backup-haiku"));
        assertThat(usageRow("total_tokens", u)).isEqualTo(16L);
        assertThat(usageRow("usage_source", u)).isEqualTo("upstream");
    }

    @Test
    void whenEveryProviderFailsTheCallerGets502WithoutDetailsAndIsNotCharged() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json").withBody(OPENAI_500)));
        upstream.stubFor(post(urlEqualTo("/v1/messages")).willReturn(aResponse().withStatus(529)
                .withHeader("Content-Type", "application/json").withBody(ANTHROPIC_529)));
        AuthUser u = userOnPlan(1, 100);
        String token = service.tokenFor(u);

        HttpResponse<String> r = service.post("/v1/chat/completions", token, chat("gpt-4o-mini", "hello"));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(r.body()).doesNotContain(upstream.baseUrl()).doesNotContain("127.0.0.1").doesNotContain(PRIMARY_KEY)
                .doesNotContain(BACKUP_KEY).doesNotContain("Overloaded").doesNotContain("Sorry about that");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("failed"));
        assertThat(usageRow("total_tokens", u)).isEqualTo(0L);
        // The failed request was given back: the one-request plan still admits one.
        assertThat(service.post("/v1/chat/completions", token, chat("dev-echo", "again")).statusCode()).isEqualTo(200);
    }

    @Test
    void theCallersOwnBadRequestIsNotFallenBackFrom() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"Invalid 'messages[0].content': string too long.\",\"type\":\"invalid_request_error\",\"param\":\"messages[0].content\",\"code\":\"string_above_max_length\"}}")));

        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor(userOnPlan(100, 100)), chat("gpt-4o-mini", "hello"));

        assertThat(r.statusCode()).isEqualTo(400);
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/messages")));
    }

    @Test
    void requestsWithoutValidCredentialsAreRefusedIn401OpenAiShape() throws Exception {
        HttpResponse<String> none = service.post("/v1/chat/completions", null, chat("dev-echo", "x"));
        HttpResponse<String> garbage = service.post("/v1/chat/completions", "not-a-jwt", chat("dev-echo", "x"));
        HttpResponse<String> unknownKey = service.post("/v1/chat/completions", "gh_" + "A".repeat(43), chat("dev-echo", "x"));

        for (HttpResponse<String> r : List.of(none, garbage, unknownKey)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(json(r).at("/error/message").asText()).isNotBlank();
            assertThat(r.headers().firstValue("www-authenticate")).isPresent();
        }
        assertThat(json(none).at("/error/code").asText()).isEqualTo("missing_authorization");
        assertThat(json(unknownKey).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void anApiKeyWorksUntilRevokedOrExpiredAndOnlyForItsScopes() throws Exception {
        AuthUser u = userOnPlan(100, 100);
        String chatKey = apiKey(u, "{chat}", "null");
        String usageOnly = apiKey(u, "{usage}", "null");
        String expired = apiKey(u, "{chat}", "now() - interval '1 minute'");

        assertThat(service.post("/v1/chat/completions", chatKey, chat("dev-echo", "x")).statusCode()).isEqualTo(200);
        assertThat(service.post("/v1/chat/completions", usageOnly, chat("dev-echo", "x")).statusCode()).isEqualTo(403);
        assertThat(service.get("/v1/usage", usageOnly).statusCode()).isEqualTo(200);
        assertThat(service.post("/v1/chat/completions", expired, chat("dev-echo", "x")).statusCode()).isEqualTo(401);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.api_keys set revoked_at = now() where key_hash = ?", sha256(chatKey));
        }
        assertThat(service.post("/v1/chat/completions", chatKey, chat("dev-echo", "x")).statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("api_key_id is not null", u)).isEqualTo(true));
    }

    @Test
    void withTheDatabaseUnreachableAiRequestsFailClosedWith503() throws Exception {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/postgres");
        cfg.setUsername("postgres");
        cfg.setInitializationFailTimeout(-1);
        cfg.setConnectionTimeout(500);
        try (HikariDataSource dead = new HikariDataSource(cfg); RunningService cut = RunningService.start(dead, env)) {
            HttpResponse<String> r = cut.post("/v1/chat/completions", service.tokenFor("student2@example.com"), chat("dev-echo", "x"));

            assertThat(r.statusCode()).isEqualTo(503);
            // The caller's account is read before admission: that is the first thing to fail closed.
            assertThat(json(r).at("/error/code").asText()).isEqualTo("auth_unavailable");
            assertThat(cut.get("/ready", null).statusCode()).isEqualTo(503);
        }
    }

    @Test
    void badBodiesGetClearErrorsBeforeAnythingIsSpent() throws Exception {
        AuthUser u = userOnPlan(1, 100);
        String token = service.tokenFor(u);

        HttpResponse<String> notJson = service.post("/v1/chat/completions", token, "{not json");
        HttpResponse<String> badRole = service.post("/v1/chat/completions", token, "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}");
        HttpResponse<String> tooBig = service.post("/v1/chat/completions", token, chat("dev-echo", "x".repeat(3_000_000)));

        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).at("/error/message").asText()).contains("not valid JSON");
        assertThat(badRole.statusCode()).isEqualTo(400);
        assertThat(json(badRole).at("/error/param").asText()).startsWith("messages");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(json(tooBig).at("/error/message").asText()).isNotBlank();
        // None of them used the one-request quota.
        assertThat(service.post("/v1/chat/completions", token, chat("dev-echo", "fine")).statusCode()).isEqualTo(200);
    }

    @Test
    void aChunkedBodyIsReadWholeAndABodyShorterThanItsLengthIsRefusedWithNothingSpent() throws Exception {
        AuthUser u = userOnPlan(1, 100);
        String token = service.tokenFor(u);
        String body = chat("dev-echo", "sent in chunks");
        int cut = body.length() / 2;

        // Without Content-Length (as a streaming client sends it), in two chunks.
        String chunked = rawPost(token, "Transfer-Encoding: chunked\r\n",
                Integer.toHexString(cut) + "\r\n" + body.substring(0, cut) + "\r\n"
                        + Integer.toHexString(body.length() - cut) + "\r\n" + body.substring(cut) + "\r\n0\r\n\r\n");
        // Declares more than it sends, then closes its side.
        String shortBody = rawPost(token, "Content-Length: " + (body.length() + 10) + "\r\n", body);

        assertThat(chunked).startsWith("HTTP/1.1 200").contains("sent in chunks");
        assertThat(shortBody).startsWith("HTTP/1.1 400").contains("could not be read");
        assertThat(service.post("/v1/chat/completions", token, chat("dev-echo", "over quota")).statusCode())
                .as("the chunked call used the one-request quota; the short one did not")
                .isEqualTo(429);
    }

    /** One request written to a socket as is, the writing side then shut; answers all the service sent back. */
    private String rawPost(String token, String framing, String payload) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", java.net.URI.create(service.baseUrl()).getPort())) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\n" + framing + "\r\n" + payload)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void modelsListsWhatThePlanAllowsAndADeploymentCanServe() throws Exception {
        HttpResponse<String> r = service.get("/v1/models", service.tokenFor("student2@example.com"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("object").asText()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        json(r).path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("gpt-4o-mini", "dev-echo");
    }

    @Test
    void usageReportsThePeriodAndWhatIsLeft() throws Exception {
        AuthUser u = userOnPlan(5, 100);
        String token = service.tokenFor(u);
        service.post("/v1/chat/completions", token, chat("dev-echo", "x"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode usage = json(service.get("/v1/usage", token));
            assertThat(usage.at("/requests/used").asInt()).isEqualTo(1);
            assertThat(usage.at("/requests/limit").asInt()).isEqualTo(5);
            assertThat(usage.at("/requests/remaining").asInt()).isEqualTo(4);
            assertThat(usage.at("/tokens/used").asInt()).isPositive();
            assertThat(usage.at("/period/resets_at").asText()).isNotBlank();
        });
    }

    @Test
    void aJsonTaskReturnsCheckedStructuredOutput() throws Exception {
        String feedback = "{\\\"score\\\":82,\\\"strengths\\\":[\\\"clear\\\"],\\\"improvements\\\":[\\\"cite sources\\\"],\\\"summary\\\":\\\"Good work.\\\"}";
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OPENAI_OK.replace("Hello from OpenAI", feedback))));

        HttpResponse<String> r = service.post("/v1/tasks/homework-feedback", service.tokenFor(userOnPlan(100, 100)),
                "{\"variables\":{\"assignment_instructions\":\"Explain RLS\",\"student_submission\":\"RLS filters rows per user.\"}}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).at("/output/score").asInt()).isEqualTo(82);
        assertThat(json(r).at("/task").asText()).isEqualTo("homework-feedback");
        upstream.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.response_format.type", equalTo("json_schema"))));
    }

    @Test
    void aTaskAnswerThatBreaksItsSchemaIs502ButTheModelsWorkIsChargedOnce() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(OPENAI_OK.replace("Hello from OpenAI", "Sure! Here is my feedback: great job"))));
        AuthUser u = userOnPlan(100, 100);

        HttpResponse<String> r = service.post("/v1/tasks/homework-feedback", service.tokenFor(u),
                "{\"variables\":{\"assignment_instructions\":\"Explain RLS\",\"student_submission\":\"RLS filters rows.\"}}");

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("invalid_task_output");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("completed"));
        assertThat(usageRow("total_tokens", u)).isEqualTo(13L);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from public.ai_usage where user_id = ?", u.id())).isEqualTo(1L);
            assertThat(Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", u.id())).isEqualTo(1);
        }
    }

    @Test
    void aPlanWithoutRawChatOrATaskRefusesThemWith403() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "tasksonly");
        String plan = Users.plan(db.dataSource(), 10, null, 100, 100, 1);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.plans set allow_raw_chat = false, allowed_tasks = array['mentor-answer'] where id = ?", plan);
        }
        Users.subscribe(db.dataSource(), u.id(), plan);
        String token = service.tokenFor(u);

        HttpResponse<String> chat = service.post("/v1/chat/completions", token, chat("dev-echo", "x"));
        HttpResponse<String> task = service.post("/v1/tasks/resume-review", token, "{\"model\":\"dev-echo\",\"variables\":{\"resume\":\"Ten years of Java services, Postgres and payments at two fintech startups.\"}}");

        assertThat(chat.statusCode()).isEqualTo(403);
        assertThat(json(chat).at("/error/code").asText()).isEqualTo("raw_chat_not_allowed");
        assertThat(task.statusCode()).isEqualTo(403);
        assertThat(json(task).at("/error/code").asText()).isEqualTo("task_not_allowed");
        assertThat(service.post("/v1/tasks/mentor-answer", token, "{\"model\":\"dev-echo\",\"variables\":{\"question\":\"Why RLS?\"}}").statusCode()).isEqualTo(200);
    }

    @Test
    void theOfficialOpenAiSdkWorksWithASessionTokenAndReadsQuotaErrorsAsTypedExceptions() throws Exception {
        AuthUser u = userOnPlan(2, 100);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(service.baseUrl() + "/v1").apiKey(service.tokenFor(u)).maxRetries(0).build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("dev-echo").addUserMessage("from the SDK").build();

        ChatCompletion completion = client.chat().completions().create(params);
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }

        assertThat(completion.choices().getFirst().message().content()).hasValueSatisfying(t -> assertThat(t).contains("from the SDK"));
        assertThat(streamed.toString()).contains("from the SDK");
        assertThatThrownBy(() -> client.chat().completions().create(params))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(String.valueOf(e.body())).contains("insufficient_quota");
                });
        OpenAIClient anonymous = OpenAIOkHttpClient.builder().baseUrl(service.baseUrl() + "/v1").apiKey("sb_publishable_abc").maxRetries(0).build();
        assertThatThrownBy(() -> anonymous.chat().completions().create(params)).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void aStreamTheCallerCutsIsChargedForWhatWasGeneratedOnly() throws Exception {
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sse.append("data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",")
               .append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word").append(i).append("\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: [DONE]\n\n");
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody(sse.toString()).withChunkedDribbleDelay(40, 4000)));
        AuthUser u = userOnPlan(100, 100);
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(service.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + service.tokenFor(u))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"talk\"}]}"))
                .build();

        HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String first;
            do {
                first = lines.readLine();
            } while (first != null && !first.contains("word"));
            assertThat(first).contains("word");
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("cut_by_caller"));
        assertThat((Integer) usageRow("completion_tokens", u)).isPositive().isLessThan(40);
        assertThat(usageRow("usage_source", u)).isEqualTo("tokenizer");
    }

    /**
     * Two service instances on one database, a burst at the quota edge split across them: exactly the
     * quota is served, the rest refused with insufficient_quota.
     */
    @Test
    void twoInstancesSharingTheDatabaseServeExactlyTheQuota() throws Exception {
        int limit = 7;
        AuthUser u = userOnPlan(limit, 10_000);
        String token = service.tokenFor(u);
        try (RunningService second = RunningService.start(db.dataSource(), env); ExecutorService pool = Executors.newFixedThreadPool(21)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> results = new ArrayList<>();
            for (int i = 0; i < 21; i++) {
                RunningService target = i % 2 == 0 ? service : second;
                results.add(pool.submit(() -> {
                    go.await();
                    return target.post("/v1/chat/completions", token, chat("dev-echo", "burst"));
                }));
            }
            go.countDown();
            int ok = 0;
            int quota = 0;
            for (Future<HttpResponse<String>> f : results) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else if (r.statusCode() == 429 && json(r).at("/error/code").asText().equals("insufficient_quota")) {
                    quota++;
                }
            }
            assertThat(ok).isEqualTo(limit);
            assertThat(quota).isEqualTo(21 - limit);
        }
    }

    private static String apiKey(AuthUser u, String scopes, String expiresAt) throws Exception {
        String key = "gh_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.UUID.randomUUID().toString().repeat(2).substring(0, 32).getBytes(StandardCharsets.UTF_8));
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into public.api_keys (user_id, name, prefix, key_hash, scopes, expires_at) values (?, 'test', ?, ?, ?::text[], " + expiresAt + ")",
                    u.id(), key.substring(0, 11), sha256(key), scopes);
        }
        return key;
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"<html><body>502 Bad Gateway</body></html>", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"mess",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}"})
    void aMalformedAnswerFromEveryProviderIs502AndSettlesAsFailed(String body) throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(body)));
        upstream.stubFor(post(urlEqualTo("/v1/messages")).willReturn(aResponse().withStatus(529)
                .withHeader("Content-Type", "application/json").withBody(ANTHROPIC_529)));
        AuthUser u = userOnPlan(1, 100);

        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor(u), chat("gpt-4o-mini", "hello"));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(r.body()).doesNotContain("chatcmpl-1").doesNotContain("Bad Gateway");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("failed"));
        assertThat(usageRow("total_tokens", u)).isEqualTo(0L);
    }

    @Test
    void aRelayedAnswerNamesTheAliasAndKeepsEverythingElseTheProviderSent() throws Exception {
        String answer = """
                {"id":"chatcmpl-groq1","object":"chat.completion","created":1700000000,"model":"llama-3.3-70b-versatile",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Grüße 🚀 \\u00e9 \\"quoted\\"","tool_calls":[{"id":"call_1",
                 "type":"function","function":{"name":"f","arguments":"{\\"x\\":1.50}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13,"queue_time":0.0123},
                 "system_fingerprint":"fp_1","x_groq":{"id":"req_01"}}""";
        upstream.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(answer)));
        AuthUser u = userOnPlan(null, 100);

        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor(u), chat("gpt-4o-mini", "hello"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode expected = JSON.readTree(answer);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected).put("model", "gpt-4o-mini");
        assertThat(json(r)).isEqualTo(expected);
        assertThat(r.body()).doesNotContain("llama-3.3-70b-versatile");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("total_tokens", u)).isEqualTo(13L));
        assertThat(usageRow("usage_source", u)).isEqualTo("upstream");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
