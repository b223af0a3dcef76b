package dev.gatehouse.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /ready} beyond the database and breakers: the outbox's limits and the email provider, each failure named in a 503. */
class ReadinessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestDatabase db;
    private RunningService service;

    @BeforeEach
    void database() {
        db = TestDatabase.migrated();
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        db.close();
    }

    private JsonNode ready(int expectedStatus) throws Exception {
        HttpResponse<String> r = service.get("/ready", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return JSON.readTree(r.body());
    }

    private void outboxRow(String status, String age) throws Exception {
        try (Connection c = db.connect()) {
            c.createStatement().execute("""
                    insert into private.email_outbox (to_email, template, data, idempotency_key, status, created_at, next_attempt_at)
                    values ('student@example.com', 'welcome', '{}', '%s', '%s', now() - interval '%s', now() - interval '%<s')""".formatted(UUID.randomUUID(), status, age));
        }
    }

    private RunningService start(String... env) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < env.length; i += 2) {
            m.put(env[i], env[i + 1]);
        }
        return RunningService.start(db.dataSource(), m);
    }

    @Test
    void aHealthyServiceIsReadyAndReportsTheEmailProvider() throws Exception {
        service = start();

        JsonNode body = ready(200);

        assertThat(body.get("status").asText()).isEqualTo("ready");
        assertThat(body.has("failing")).isFalse();
        assertThat(body.at("/checks/email/status").asText()).isEqualTo("ok");
        assertThat(body.at("/checks/email/destination").asText()).contains("mailbox");
        assertThat(body.at("/checks/queues/email_outbox/dead").asLong()).isZero();
    }

    @Test
    void anOutboxPastItsDepthAndDeadLimitsFailsReadinessNamingBoth() throws Exception {
        outboxRow("pending", "1 second");
        outboxRow("pending", "1 second");
        outboxRow("dead", "1 second");
        outboxRow("dead", "1 second");
        service = start("EMAIL_WORKER", "off", "GATEHOUSE_READY_OUTBOX_MAX_DEPTH", "1", "GATEHOUSE_READY_OUTBOX_MAX_DEAD", "1");

        JsonNode body = ready(503);

        assertThat(body.get("status").asText()).isEqualTo("not_ready");
        assertThat(body.get("failing")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("queues.email_outbox.depth", "queues.email_outbox.dead");
        assertThat(body.at("/checks/queues/email_outbox/depth").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(body.at("/checks/queues/email_outbox/dead").asLong()).isEqualTo(2);
    }

    @Test
    void anEmailWaitingLongerThanTheAgeLimitFailsReadiness() throws Exception {
        outboxRow("pending", "2 hours");
        service = start("EMAIL_WORKER", "off", "GATEHOUSE_READY_OUTBOX_MAX_AGE_SECONDS", "3600");

        JsonNode body = ready(503);

        assertThat(body.get("failing")).extracting(JsonNode::asText).containsExactly("queues.email_outbox.oldestPendingAgeSeconds");
        assertThat(body.at("/checks/queues/email_outbox/oldestPendingAgeSeconds").asDouble()).isGreaterThan(7000);
    }

    @Test
    void anEmailProviderFailingEveryDeliveryFailsReadinessUntilOneGoesThrough() throws Exception {
        WireMockServer resend = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        resend.start();
        try {
            resend.stubFor(post("/emails").willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                    .withBody("{\"statusCode\":500,\"name\":\"internal_server_error\",\"message\":\"An unexpected error occurred.\"}")));
            for (int i = 0; i < 3; i++) {
                outboxRow("pending", "1 second");
            }
            service = start("RESEND_API_KEY", "re_test_key_readiness_0123", "RESEND_BASE_URL", resend.baseUrl(),
                    "EMAIL_BACKOFF_BASE_MS", "60000", "GATEHOUSE_READY_EMAIL_MAX_FAILURES", "3");

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode body = ready(503);
                assertThat(body.get("failing")).extracting(JsonNode::asText).containsExactly("email");
                assertThat(body.at("/checks/email/status").asText()).isEqualTo("failing");
                assertThat(body.at("/checks/email/failures_in_a_row").asInt()).isGreaterThanOrEqualTo(3);
            });

            resend.stubFor(post("/emails").willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                    .withBody("{\"id\":\"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794\"}")));
            outboxRow("pending", "1 second");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ready(200).at("/checks/email/status").asText()).isEqualTo("ok"));
        } finally {
            resend.stop();
        }
    }
}
