package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.stripe.net.Webhook;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.TwoDeploymentUpstream;
import dev.gatehouse.support.Users;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: Prometheus text behind the ops token, with every family the issue names and
 * only bounded labels. One service over a two-deployment WireMock provider whose primary fails, so
 * fallbacks and an open breaker show.
 */
class MetricsEndpointTest {
    static final String OPS_TOKEN = "ops-token-for-tests-0123456789abcdef0123";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestDatabase db;
    private static TwoDeploymentUpstream upstream;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated();
        upstream = new TwoDeploymentUpstream();
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", upstream.config().toString(),
                "UPSTREAM_KEY", TwoDeploymentUpstream.PROVIDER_KEY, "GATEHOUSE_OPS_TOKEN", OPS_TOKEN));
    }

    @AfterAll
    static void stop() {
        service.close();
        upstream.close();
        db.close();
    }

    static String scrape(RunningService service) throws Exception {
        HttpResponse<String> r = get(service, "/metrics", OPS_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
        return r.body();
    }

    static HttpResponse<String> get(RunningService service, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String token, String model) throws Exception {
        HttpResponse<String> r = service.post("/v1/chat/completions", token,
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        return r.statusCode() + " " + r.body();
    }

    @Test
    void metricsAreRefusedWithoutTheOpsTokenEvenToASignedInUser() throws Exception {
        AuthUser user = Users.signUp(db.dataSource(), "metrics-user");

        HttpResponse<String> none = get(service, "/metrics", null);
        HttpResponse<String> wrong = get(service, "/metrics", OPS_TOKEN + "x");
        HttpResponse<String> session = get(service, "/metrics", service.tokenFor(user));

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("invalid_ops_token").doesNotContain("jvm_");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(session.statusCode()).isEqualTo(401);
    }

    @Test
    void requestsAreCountedByRouteTemplateAndStatusNeverByRawPath() throws Exception {
        get(service, "/certificates/GH-AAAA-BBBB-CCCC-DDDD", null);
        get(service, "/no/such/route/" + UUID.randomUUID(), null);

        String scrape = scrape(service);

        String http = String.join("\n", scrape.lines().filter(l -> l.startsWith("gatehouse_http_requests_seconds_count")).toList());
        assertThat(Scrape.sum(scrape, "gatehouse_http_requests_seconds_count", "route", "/certificates/{code}", "status", "404"))
                .as(http).isGreaterThanOrEqualTo(1);
        assertThat(Scrape.sum(scrape, "gatehouse_http_requests_seconds_bucket", "route", "/certificates/{code}", "le", "+Inf"))
                .isGreaterThanOrEqualTo(1);
        assertThat(Scrape.has(scrape, "gatehouse_http_requests_seconds_count", "route", "unmatched")).isTrue();
        assertThat(scrape).doesNotContain("GH-AAAA").doesNotContain("/no/such/route");
    }

    @Test
    void admissionsRejectionsTokensAndSettlementAreCountedByPlanModelAndReasonWithoutUserIds() throws Exception {
        AuthUser user = Users.signUp(db.dataSource(), "metrics-plan");
        String plan = Users.plan(db.dataSource(), 2, null, 100, 256, 4);
        Users.subscribe(db.dataSource(), user.id(), plan);
        String token = service.tokenFor(user);

        assertThat(chat(token, "dev-echo")).startsWith("200");
        assertThat(chat(token, "dev-echo")).startsWith("200");
        assertThat(chat(token, "dev-echo")).startsWith("429");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String scrape = scrape(service);
            assertThat(Scrape.sum(scrape, "gatehouse_admissions_total", "plan", plan, "model", "dev-echo")).isEqualTo(2);
            assertThat(Scrape.sum(scrape, "gatehouse_admission_rejections_total", "plan", plan, "reason", "insufficient_quota")).isEqualTo(1);
            assertThat(Scrape.sum(scrape, "gatehouse_tokens_total", "plan", plan, "model", "dev-echo", "kind", "completion")).isPositive();
            assertThat(Scrape.sum(scrape, "gatehouse_settlement_lag_seconds_count")).isGreaterThanOrEqualTo(1);
            // the user's first request waited for its lease to be taken (the second took one too: the first lease is one request)
            assertThat(Scrape.sum(scrape, "gatehouse_quota_lease_wait_seconds_count")).isGreaterThanOrEqualTo(2);
            assertThat(scrape).doesNotContain(user.id().toString());
        });
    }

    @Test
    void upstreamLatencyErrorsFallbacksAndTheOpenBreakerArePerDeployment() throws Exception {
        try (TwoDeploymentUpstream failing = new TwoDeploymentUpstream();
                RunningService own = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_CONFIG", failing.config().toString(),
                        "UPSTREAM_KEY", TwoDeploymentUpstream.PROVIDER_KEY, "GATEHOUSE_OPS_TOKEN", OPS_TOKEN))) {
            AuthUser user = Users.signUp(db.dataSource(), "metrics-upstream");
            Users.subscribe(db.dataSource(), user.id(), Users.plan(db.dataSource(), 100, null, 100, 256, 4));
            String token = own.tokenFor(user);
            failing.failPrimary();

            for (int i = 0; i < 6; i++) {
                assertThat(own.post("/v1/chat/completions", token, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                        .body()).contains("from backup");
            }

            String scrape = scrape(own);
            assertThat(Scrape.sum(scrape, "gatehouse_upstream_requests_seconds_count", "deployment", "primary", "result", "server_error")).isEqualTo(4);
            assertThat(Scrape.sum(scrape, "gatehouse_upstream_requests_seconds_count", "deployment", "backup", "result", "ok")).isEqualTo(6);
            assertThat(Scrape.sum(scrape, "gatehouse_upstream_skipped_total", "deployment", "primary")).isEqualTo(2);
            assertThat(Scrape.sum(scrape, "gatehouse_upstream_fallbacks_total", "model", "gpt-4o-mini", "deployment", "backup")).isEqualTo(6);
            assertThat(Scrape.sum(scrape, "gatehouse_circuit_breaker_state", "deployment", "primary", "state", "OPEN")).isEqualTo(1);
            assertThat(Scrape.sum(scrape, "gatehouse_circuit_breaker_state", "deployment", "backup", "state", "CLOSED")).isEqualTo(1);
            assertThat(scrape).doesNotContain(TwoDeploymentUpstream.PROVIDER_KEY);
        }
    }

    @Test
    void webhookDeliveriesAreCountedByTypeAndResult() throws Exception {
        String event = """
                {"id":"evt_metrics_%s","object":"event","api_version":"2026-07-29.dahlia","created":1764000000,"livemode":false,
                 "type":"customer.created","data":{"object":{"id":"cus_metrics","object":"customer"}},"pending_webhooks":1,"request":{"id":null}}
                """.formatted(UUID.randomUUID().toString().replace("-", ""));
        String signature = Webhook.Signature.generateSignatureHeader(event, RunningService.STRIPE_WEBHOOK_SECRET, Webhook.Util.getTimeNow());

        assertThat(webhook(event, signature).statusCode()).isEqualTo(200);
        assertThat(webhook(event, signature).statusCode()).isEqualTo(200);
        assertThat(webhook(event, "t=1,v1=00").statusCode()).isEqualTo(400);
        String broken = "{\"id\": \"evt_1\", \"object\": \"event\", \"type\": ";
        assertThat(webhook(broken, Webhook.Signature.generateSignatureHeader(broken, RunningService.STRIPE_WEBHOOK_SECRET, Webhook.Util.getTimeNow()))
                .statusCode()).as("a signed body that is not an event").isEqualTo(400);

        String scrape = scrape(service);
        assertThat(Scrape.sum(scrape, "gatehouse_webhook_events_total", "source", "stripe", "type", "customer.created", "result", "recorded")).isEqualTo(1);
        assertThat(Scrape.sum(scrape, "gatehouse_webhook_events_total", "type", "customer.created", "result", "duplicate")).isEqualTo(1);
        assertThat(Scrape.sum(scrape, "gatehouse_webhook_events_total", "type", "unverified", "result", "invalid_signature")).isGreaterThanOrEqualTo(1);
        assertThat(Scrape.sum(scrape, "gatehouse_webhook_events_total", "type", "unverified", "result", "refused_400")).isEqualTo(1);
    }

    private static HttpResponse<String> webhook(String event, String signature) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/webhooks/stripe"))
                .header("Content-Type", "application/json").header("Stripe-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(event, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void outboxAttemptsAndDepthAreCountedByQueueKindAndResult() throws Exception {
        try (Connection c = db.connect()) {
            c.createStatement().execute("""
                    insert into private.email_outbox (to_email, template, data, idempotency_key)
                    values ('student@example.com', 'auth_magiclink', '{"token": "1", "verify_url": "https://x.example/v"}', 'metrics:%s')"""
                    .formatted(UUID.randomUUID()));
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String scrape = scrape(service);
            assertThat(Scrape.sum(scrape, "gatehouse_queue_attempts_total", "queue", "email-outbox", "kind", "auth_magiclink", "result", "done"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(Scrape.has(scrape, "gatehouse_queue_depth", "queue", "email-outbox")).isTrue();
            assertThat(Scrape.has(scrape, "gatehouse_queue_dead", "queue", "jobs")).isTrue();
        });
    }

    @Test
    void theConnectionPoolAndTheJvmAreMeasured() throws Exception {
        String scrape = scrape(service);

        assertThat(Scrape.has(scrape, "hikaricp_connections_active")).isTrue();
        assertThat(Scrape.has(scrape, "jvm_memory_used_bytes", "area", "heap")).isTrue();
        assertThat(Scrape.has(scrape, "jvm_threads_live_threads")).isTrue();
        assertThat(Scrape.has(scrape, "process_cpu_usage")).isTrue();
    }
}
