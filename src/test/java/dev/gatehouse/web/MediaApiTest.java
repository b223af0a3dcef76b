package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/images/generations} and {@code POST /v1/embeddings} end to end: the real service and
 * database, two OpenAI-compatible providers faked with WireMock in OpenAI's wire format (answers,
 * error bodies, 429 + Retry-After, 5xx, malformed bodies, timeouts), admission, fallback and the ledger.
 */
class MediaApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRIMARY_KEY = "sk-test-media-primary-0123456789";
    private static final String BACKUP_KEY = "sk-test-media-backup-0123456789";
    /** A real 1x1 PNG, as gpt-image-1 would return a (much larger) one. */
    static final String PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    static final String IMAGE_OK = """
            {"created":1713833628,"background":"opaque","data":[{"b64_json":"%s"}],"output_format":"png","quality":"medium",
             "size":"1024x1024","usage":{"total_tokens":1066,"input_tokens":10,"output_tokens":1056,
             "input_tokens_details":{"text_tokens":10,"image_tokens":0}}}""".formatted(PNG_1X1);
    static final String EMBEDDING_OK = """
            {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,0.015797347]}],
             "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";
    private static final String RATE_LIMITED = """
            {"error":{"message":"Rate limit reached for images per minute. Please try again in 1s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";
    private static final String SERVER_ERROR = """
            {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""";
    private static final String INVALID_SIZE = """
            {"error":{"message":"Invalid value: '1792x1024'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.","type":"invalid_request_error","param":"size","code":"invalid_value"}}""";

    private static TestDatabase db;
    private static WireMockServer upstream;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(8);
        upstream = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        upstream.start();
        Path config = Files.createTempFile("gateway-media", ".json");
        Files.writeString(config, """
                {
                  "providers": {
                    "primary": {"kind": "openai", "base_url": "%1$s/v1", "api_key_env": "PRIMARY_KEY"},
                    "backup": {"kind": "openai", "base_url": "%1$s/backup/v1", "api_key_env": "BACKUP_KEY"},
                    "dev-echo": {"kind": "dev-echo"}
                  },
                  "deployments": {
                    "primary-chat": {"provider": "primary", "model": "gpt-4o-mini"},
                    "primary-image": {"provider": "primary", "model": "gpt-image-1", "api": "images", "timeout_ms": 1000},
                    "backup-image": {"provider": "backup", "model": "gpt-image-1", "api": "images", "timeout_ms": 1000},
                    "primary-embed": {"provider": "primary", "model": "text-embedding-3-small", "api": "embeddings", "timeout_ms": 1000},
                    "backup-embed": {"provider": "backup", "model": "text-embedding-3-small", "api": "embeddings", "timeout_ms": 1000},
                    "dev-echo": {"provider": "dev-echo", "model": "dev-echo"}
                  },
                  "routes": {
                    "gpt-4o-mini": ["primary-chat"],
                    "gpt-image-1": ["primary-image", "backup-image"],
                    "text-embedding-3-small": ["primary-embed", "backup-embed"],
                    "dev-echo": ["dev-echo"]
                  },
                  "retry": {"max_attempts_per_deployment": 2, "base_backoff_ms": 10, "max_backoff_ms": 50, "deadline_ms": 10000},
                  "circuit_breaker": {"minimum_calls": 50, "sliding_window_calls": 100}
                }
                """.formatted(upstream.baseUrl()));
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", config.toString(),
                "PRIMARY_KEY", PRIMARY_KEY, "BACKUP_KEY", BACKUP_KEY));
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

    static String image(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"a lighthouse at dusk\"" + extra + "}";
    }

    static String embedding(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"input\":\"The food was delicious and the waiter...\"" + extra + "}";
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** A user on a fresh plan allowing the test's media models, with the given period token limit (null: unlimited). */
    static AuthUser userOnPlan(TestDatabase db, Long monthlyTokens, String... models) throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "media");
        String plan = Users.plan(db.dataSource(), 100, monthlyTokens, 100, 256, 2);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.plans set allowed_models = allowed_models || ?::text[] where id = ?",
                    "{" + String.join(",", models) + "}", plan);
        }
        Users.subscribe(db.dataSource(), u.id(), plan);
        return u;
    }

    private static AuthUser mediaUser() throws Exception {
        return userOnPlan(db, null, "gpt-image-1", "text-embedding-3-small");
    }

    private static Object usageRow(String column, AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, "select " + column + " from public.ai_usage where user_id = ? order by id desc limit 1", u.id());
        }
    }

    private static Object period(String column, AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, "select " + column + " from private.ai_quota_periods where user_id = ?", u.id());
        }
    }

    private static void stub(String path, int status, String body) {
        upstream.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void anImageIsAnsweredInOpenAisShapeAndChargedPerImageBySizeAndQuality() throws Exception {
        stub("/v1/images/generations", 200, IMAGE_OK);
        AuthUser u = mediaUser();

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(u),
                image("gpt-image-1", ",\"size\":\"1024x1536\",\"quality\":\"medium\""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/data/0/b64_json").asText()).isEqualTo(PNG_1X1);
        assertThat(json(r).at("/usage/output_tokens").asInt()).as("1024x1536 at medium, as OpenAI bills it").isEqualTo(1584);
        assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
        assertThat(r.headers().firstValue(MediaEndpoints.DEV_OUTPUT_HEADER)).isEmpty();
        upstream.verify(postRequestedFor(urlEqualTo("/v1/images/generations"))
                .withHeader("Authorization", equalTo("Bearer " + PRIMARY_KEY))
                .withRequestBody(matchingJsonPath("$.model", equalTo("gpt-image-1")))
                .withRequestBody(matchingJsonPath("$.size", equalTo("1024x1536"))));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("completed"));
        assertThat(usageRow("usage_source", u)).isEqualTo("per_image");
        assertThat(usageRow("completion_tokens", u)).isEqualTo(1584);
        assertThat(usageRow("total_tokens", u)).isEqualTo(1584L + (Integer) usageRow("prompt_tokens", u));
        assertThat(usageRow("model", u)).isEqualTo("gpt-image-1");
        assertThat(usageRow("deployment", u)).isEqualTo("primary-image");
        assertThat(period("tokens_reserved", u)).isEqualTo(0L);
        assertThat(period("requests_used", u)).isEqualTo(1);
    }

    @Test
    void embeddingsAreChargedTheProvidersInputTokensAndNamedByTheAlias() throws Exception {
        stub("/v1/embeddings", 200, EMBEDDING_OK);
        AuthUser u = mediaUser();

        HttpResponse<String> r = service.post("/v1/embeddings", service.tokenFor(u), embedding("text-embedding-3-small", ",\"encoding_format\":\"float\""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/object").asText()).isEqualTo("list");
        assertThat(json(r).at("/data/0/embedding").size()).isEqualTo(3);
        assertThat(json(r).at("/model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(json(r).at("/usage/prompt_tokens").asInt()).isEqualTo(8);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("completed"));
        assertThat(usageRow("prompt_tokens", u)).isEqualTo(8);
        assertThat(usageRow("completion_tokens", u)).isEqualTo(0);
        assertThat(usageRow("usage_source", u)).isEqualTo("upstream");
        assertThat(usageRow("deployment", u)).isEqualTo("primary-embed");
    }

    @Test
    void aRateLimitedProviderIsRetriedAfterItsRetryAfterAndThenAnswers() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/embeddings")).inScenario("429").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json").withHeader("Retry-After", "1")
                        .withBody(RATE_LIMITED)).willSetStateTo("cooled"));
        upstream.stubFor(post(urlEqualTo("/v1/embeddings")).inScenario("429").whenScenarioStateIs("cooled")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(EMBEDDING_OK)));
        AuthUser u = mediaUser();
        long start = System.nanoTime();

        HttpResponse<String> r = service.post("/v1/embeddings", service.tokenFor(u), embedding("text-embedding-3-small", ""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for Retry-After").isGreaterThanOrEqualTo(Duration.ofMillis(900));
        upstream.verify(2, postRequestedFor(urlEqualTo("/v1/embeddings")));
        upstream.verify(0, postRequestedFor(urlEqualTo("/backup/v1/embeddings")));
    }

    @Test
    void serverErrorsFallBackToTheSecondDeploymentWhichIsCharged() throws Exception {
        stub("/v1/images/generations", 500, SERVER_ERROR);
        stub("/backup/v1/images/generations", 200, IMAGE_OK);
        AuthUser u = mediaUser();

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(u), image("gpt-image-1", ",\"quality\":\"low\",\"size\":\"1024x1024\""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        upstream.verify(2, postRequestedFor(urlEqualTo("/v1/images/generations")));
        upstream.verify(postRequestedFor(urlEqualTo("/backup/v1/images/generations")).withHeader("Authorization", equalTo("Bearer " + BACKUP_KEY)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("deployment", u)).isEqualTo("backup-image"));
        assertThat(usageRow("completion_tokens", u)).isEqualTo(272);
    }

    @Test
    void aMalformedBodyOrAWrongNumberOfEmbeddingsFallsBack() throws Exception {
        stub("/v1/embeddings", 200, "{\"object\":\"list\",\"data\":[]}");
        stub("/backup/v1/embeddings", 200, EMBEDDING_OK);

        HttpResponse<String> r = service.post("/v1/embeddings", service.tokenFor(mediaUser()), embedding("text-embedding-3-small", ""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        upstream.verify(postRequestedFor(urlEqualTo("/backup/v1/embeddings")));
    }

    @Test
    void aResetAndABodyThatIsNotJsonAreTriedOnEveryDeploymentThenEndIn502WithoutDetail() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/images/generations")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        stub("/backup/v1/images/generations", 200, "<html>502 Bad Gateway</html>");

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(mediaUser()), image("gpt-image-1", ""));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(r.body()).doesNotContain("html", "Bad Gateway");
    }

    @Test
    void aProviderThatTimesOutFallsBackWithinTheAttemptTimeout() throws Exception {
        upstream.stubFor(post(urlEqualTo("/v1/embeddings")).willReturn(aResponse().withStatus(200).withFixedDelay(3000)
                .withHeader("Content-Type", "application/json").withBody(EMBEDDING_OK)));
        stub("/backup/v1/embeddings", 200, EMBEDDING_OK);
        long start = System.nanoTime();

        HttpResponse<String> r = service.post("/v1/embeddings", service.tokenFor(mediaUser()), embedding("text-embedding-3-small", ""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        upstream.verify(postRequestedFor(urlEqualTo("/backup/v1/embeddings")));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("two 1 s attempts, never the 3 s answer").isLessThan(Duration.ofMillis(2900));
    }

    @Test
    void whenEveryProviderFailsTheCallerGets502AndNothingIsCharged() throws Exception {
        stub("/v1/images/generations", 503, SERVER_ERROR);
        stub("/backup/v1/images/generations", 500, SERVER_ERROR);
        AuthUser u = mediaUser();

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(u), image("gpt-image-1", ",\"n\":4"));

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("upstream_error");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("outcome", u)).isEqualTo("failed"));
        assertThat(usageRow("total_tokens", u)).isEqualTo(0L);
        assertThat(period("requests_used", u)).isEqualTo(0);
        assertThat(period("tokens_used", u)).isEqualTo(0L);
        assertThat(period("tokens_reserved", u)).isEqualTo(0L);
    }

    @Test
    void theProvidersVerdictOnABadRequestReachesTheCallerWithoutRetryOrFallback() throws Exception {
        stub("/v1/images/generations", 400, INVALID_SIZE);

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(mediaUser()), image("gpt-image-1", ",\"size\":\"1792x1024\""));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).at("/error/param").asText()).isEqualTo("size");
        assertThat(json(r).at("/error/code").asText()).isEqualTo("invalid_value");
        upstream.verify(1, postRequestedFor(urlEqualTo("/v1/images/generations")));
        upstream.verify(0, postRequestedFor(urlEqualTo("/backup/v1/images/generations")));
    }

    @Test
    void aModelOutsideThePlanIs403InOpenAisErrorShapeAndNoProviderIsCalled() throws Exception {
        AuthUser u = userOnPlan(db, null, "text-embedding-3-small");

        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(u), image("gpt-image-1", ""));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("model_not_allowed");
        assertThat(json(r).at("/error/type").asText()).isEqualTo("permission_error");
        assertThat(json(r).at("/error").has("param")).isTrue();
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/images/generations")));
    }

    @Test
    void anImageThePeriodsTokensCannotCoverIs429AndNothingIsSentOrCharged() throws Exception {
        AuthUser u = userOnPlan(db, 5_000L, "gpt-image-1");

        // 1024x1024 at high: 4,160 token-equivalents each; two do not fit in 5,000.
        HttpResponse<String> r = service.post("/v1/images/generations", service.tokenFor(u), image("gpt-image-1", ",\"n\":2,\"size\":\"1024x1024\",\"quality\":\"high\""));

        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("insufficient_quota");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/images/generations")));
        assertThat(period("tokens_used", u)).isEqualTo(0L);
        assertThat(period("requests_used", u)).isEqualTo(0);
    }

    @Test
    void anApiKeyNeedsTheImagesOrEmbeddingsScope() throws Exception {
        stub("/v1/embeddings", 200, EMBEDDING_OK);
        AuthUser u = mediaUser();
        String chatKey = apiKey(u, "array['chat', 'tasks']");
        String embeddingsKey = apiKey(u, "array['embeddings']");

        HttpResponse<String> refused = service.post("/v1/embeddings", chatKey, embedding("text-embedding-3-small", ""));
        HttpResponse<String> imagesRefused = service.post("/v1/images/generations", embeddingsKey, image("gpt-image-1", ""));
        HttpResponse<String> ok = service.post("/v1/embeddings", embeddingsKey, embedding("text-embedding-3-small", ""));

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).at("/error/code").asText()).isEqualTo("insufficient_scope");
        assertThat(imagesRefused.statusCode()).isEqualTo(403);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageRow("api_key_id is not null", u)).isEqualTo(true));
    }

    @Test
    void withoutCredentialsTheCallerGets401() throws Exception {
        HttpResponse<String> r = service.post("/v1/embeddings", null, embedding("text-embedding-3-small", ""));

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("missing_authorization");
    }

    @Test
    void chatCannotBeSentToAnImageModelNorImagesToAChatModel() throws Exception {
        String token = service.tokenFor(mediaUser());

        HttpResponse<String> chat = service.post("/v1/chat/completions", token, "{\"model\":\"gpt-image-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        HttpResponse<String> images = service.post("/v1/images/generations", token, image("gpt-4o-mini", ""));
        HttpResponse<String> embeddings = service.post("/v1/embeddings", token, embedding("gpt-image-1", ""));

        assertThat(chat.statusCode()).isEqualTo(400);
        assertThat(json(chat).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(json(images).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(json(images).at("/error/message").asText()).contains("gpt-image-1", "dev-echo");
        assertThat(json(embeddings).at("/error/param").asText()).isEqualTo("model");
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/chat/completions")));
    }

    @Test
    void badBodiesGet400NamingTheFieldAndCostNothing() throws Exception {
        AuthUser u = mediaUser();
        String token = service.tokenFor(u);
        Map<String, String> cases = Map.of(
                "{\"model\":\"gpt-image-1\"}", "prompt",
                image("gpt-image-1", ",\"n\":11"), "n",
                image("gpt-image-1", ",\"size\":\"999x999\""), "size",
                image("gpt-image-1", ",\"stream\":true"), "stream",
                image("gpt-image-1", ",\"colour\":\"red\""), "colour",
                embedding("text-embedding-3-small", ",\"encoding_format\":\"hex\""), "encoding_format",
                embedding("text-embedding-3-small", ",\"dimensions\":0"), "dimensions",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"ok\",\"\"]}", "input[1]",
                "{\"model\":\"text-embedding-3-small\",\"input\":[]}", "input");

        for (var c : cases.entrySet()) {
            String path = c.getKey().contains("embedding") ? "/v1/embeddings" : "/v1/images/generations";
            HttpResponse<String> r = service.post(path, token, c.getKey());
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(json(r).at("/error/param").asText()).as(c.getKey()).isEqualTo(c.getValue());
        }
        upstream.verify(0, postRequestedFor(urlEqualTo("/v1/images/generations")));
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from public.ai_usage where user_id = ?", u.id())).isEqualTo(0L);
        }
    }

    /** A key made as the user makes one, through create_api_key (which must accept the new scopes). */
    private static String apiKey(AuthUser u, String scopes) throws Exception {
        return new Postgrest(db.dataSource()).asAndCommit(Persona.user("media", u.id(), u.email()),
                c -> (String) Postgrest.scalar(c, "select api_key from public.create_api_key('media', " + scopes + ")"));
    }
}
