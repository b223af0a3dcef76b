package dev.gatehouse.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.gatehouse.auth.AuthUser;
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
 * The task result cache end to end: one OpenAI-compatible provider faked with WireMock (its real
 * completion and error bodies, and a connection reset), and the cache-enabled market-research task.
 */
class TaskResultCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANALYSIS = "{\\\"segments\\\":[\\\"SMB\\\"],\\\"competitors\\\":[\\\"Acme ATS\\\"],\\\"pains\\\":[\\\"slow hiring\\\"],"
            + "\\\"objections\\\":[],\\\"questions_to_ask\\\":[\\\"How many hires a year?\\\"],\\\"caveats\\\":[\\\"no web access\\\"]}";
    private static final String OPENAI_OK = """
            {"id":"chatcmpl-cache1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160}}""".formatted(ANALYSIS);
    private static final String OPENAI_500 = """
            {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""";

    private static TestDatabase db;
    private static WireMockServer provider;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(8);
        provider = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        provider.start();
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {
                  "providers": {"primary": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "PRIMARY_KEY"}},
                  "deployments": {"primary-mini": {"provider": "primary", "model": "gpt-4o-mini", "timeout_ms": 3000}},
                  "routes": {"gpt-4o-mini": ["primary-mini"]},
                  "retry": {"max_attempts_per_deployment": 1, "base_backoff_ms": 10, "max_backoff_ms": 50, "deadline_ms": 10000},
                  "circuit_breaker": {"minimum_calls": 50, "sliding_window_calls": 100}
                }
                """.formatted(provider.baseUrl()));
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", config.toString(), "PRIMARY_KEY", "sk-test-0123456789"));
    }

    @AfterAll
    static void stop() {
        service.close();
        provider.stop();
        db.close();
    }

    @BeforeEach
    void reset() {
        provider.resetAll();
    }

    @Test
    void aRepeatedCallWithinTheTtlIsAnsweredFromTheCacheWithoutAProviderOrACharge() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "cache");
        String token = service.tokenFor(u);
        providerAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(OPENAI_OK));

        HttpResponse<String> first = research(token, "Applicant tracking software");
        HttpResponse<String> second = research(token, "Applicant tracking software");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-gatehouse-cache")).hasValue("miss");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("x-gatehouse-cache")).hasValue("hit");
        assertThat(JSON.readTree(second.body()).path("cached").asBoolean()).isTrue();
        assertThat(JSON.readTree(second.body()).path("output")).isEqualTo(JSON.readTree(first.body()).path("output"));
        provider.verify(1, postRequestedFor(urlEqualTo("/v1/chat/completions")));
        await().atMost(Duration.ofSeconds(10)).until(() -> unsettled(u) == 0);
        assertThat(requestsUsed(token)).isEqualTo(1);
    }

    @Test
    void whenEveryProviderFailsTheLastResultIsServedStaleAndTheFailedCallIsNotCharged() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "cache");
        String token = service.tokenFor(u);
        providerAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(OPENAI_OK));
        HttpResponse<String> fresh = research(token, "Payroll software");
        expireCacheOf(u);
        await().atMost(Duration.ofSeconds(10)).until(() -> unsettled(u) == 0);

        for (var failure : java.util.List.of(
                aResponse().withStatus(500).withHeader("Content-Type", "application/json").withBody(OPENAI_500),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))) {
            providerAnswers(failure);

            HttpResponse<String> stale = research(token, "Payroll software");

            assertThat(stale.statusCode()).as(stale.body()).isEqualTo(200);
            assertThat(stale.headers().firstValue("x-gatehouse-cache")).hasValue("stale");
            JsonNode body = JSON.readTree(stale.body());
            assertThat(body.path("cached").asBoolean()).isTrue();
            assertThat(body.path("output")).isEqualTo(JSON.readTree(fresh.body()).path("output"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> unsettled(u) == 0);
        assertThat(requestsUsed(token)).as("only the one call that succeeded is charged").isEqualTo(1);
    }

    @Test
    void withoutAStoredResultForTheSameInputTotalFailureIsStillA502() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "cache"));
        providerAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(OPENAI_OK));
        assertThat(research(token, "CRM for dentists").statusCode()).isEqualTo(200);
        providerAnswers(aResponse().withStatus(500).withHeader("Content-Type", "application/json").withBody(OPENAI_500));

        HttpResponse<String> other = research(token, "CRM for vets");

        assertThat(other.statusCode()).isEqualTo(502);
        assertThat(other.headers().firstValue("x-gatehouse-cache")).hasValue("miss");
    }

    @Test
    void oneUsersCachedResultIsNeverServedToAnother() throws Exception {
        String alice = service.tokenFor(Users.signUp(db.dataSource(), "cache"));
        String bob = service.tokenFor(Users.signUp(db.dataSource(), "cache"));
        providerAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(OPENAI_OK));
        assertThat(research(alice, "Fleet telematics").statusCode()).isEqualTo(200);
        providerAnswers(aResponse().withStatus(500).withHeader("Content-Type", "application/json").withBody(OPENAI_500));

        HttpResponse<String> bobs = research(bob, "Fleet telematics");

        assertThat(bobs.statusCode()).isEqualTo(502);
    }

    @Test
    void aTaskThatDoesNotOptInIsNeverCached() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "cache"));
        providerAnswers(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(OPENAI_OK.replace(ANALYSIS, "A closure keeps its scope.")));
        String ask = "{\"variables\":{\"question\":\"What is a closure?\"}}";
        assertThat(service.post("/v1/tasks/mentor-answer", token, ask).statusCode()).isEqualTo(200);
        providerAnswers(aResponse().withStatus(500).withHeader("Content-Type", "application/json").withBody(OPENAI_500));

        HttpResponse<String> again = service.post("/v1/tasks/mentor-answer", token, ask);

        assertThat(again.statusCode()).isEqualTo(502);
        assertThat(again.headers().firstValue("x-gatehouse-cache")).isEmpty();
    }

    private static HttpResponse<String> research(String token, String market) throws Exception {
        return service.post("/v1/tasks/market-research", token, "{\"variables\":{\"market\":\"" + market + "\"}}");
    }

    private static void providerAnswers(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder response) {
        provider.resetAll();
        provider.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(response));
    }

    private static void expireCacheOf(AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update private.task_results set expires_at = now() - interval '1 day' where user_id = ?", u.id());
        }
    }

    /** Reservations not yet replaced by their settlement. */
    private static long unsettled(AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, "select count(*) from private.ai_reservations where user_id = ?", u.id())).longValue();
        }
    }

    private static long requestsUsed(String token) throws Exception {
        return JSON.readTree(service.get("/v1/usage", token).body()).at("/requests/used").asLong();
    }
}
