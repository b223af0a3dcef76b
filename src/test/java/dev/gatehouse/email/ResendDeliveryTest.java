package dev.gatehouse.email;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.gatehouse.support.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The outbox worker against a fake Resend speaking Resend's wire format: retries, backoff, quotas, 409s, dead-lettering. */
class ResendDeliveryTest {
    @RegisterExtension
    static WireMockExtension resend = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static TestDatabase db;
    @TempDir
    Path dataDir;
    EmailOutbox outbox;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyOutbox() throws Exception {
        Outboxes.clearSeedMail(db.dataSource());
        // A first request to a fresh fake server is slow on a busy machine; timing assertions should not see it.
        new OkHttpClient().newCall(new okhttp3.Request.Builder().url(resend.baseUrl() + "/warm-up").build()).execute().close();
        resend.resetRequests();
    }

    @AfterEach
    void stop() {
        if (outbox != null) {
            outbox.close();
        }
    }

    private void startWorker(String... overrides) {
        EmailSettings s = Outboxes.settings(resend.baseUrl(), dataDir, overrides);
        OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofMillis(1000)).callTimeout(Duration.ofSeconds(5))
                .retryOnConnectionFailure(false).build();
        outbox = EmailOutbox.start(db.dataSource(), s, new ResendSender(http, s.resendBaseUrl(), s.resendApiKey(), s.ratePerSecond(), Clock.systemUTC()));
    }

    private Outboxes.Row awaitStatus(long id, String status) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> Outboxes.row(db.dataSource(), id), r -> r.status().equals(status));
    }

    @Test
    void sendsTheRenderedEmailWithTheRowsIdempotencyKeyAndRecordsResendsId() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.sent("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794")));
        long id = Outboxes.enqueue(db.dataSource(), "enrollment_created", "enrollment_created:abc");

        startWorker();

        Outboxes.Row row = awaitStatus(id, "sent");
        assertThat(row.providerMessageId()).isEqualTo("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794");
        assertThat(row.attempts()).isEqualTo(1);
        resend.verify(1, postRequestedFor(urlEqualTo("/emails"))
                .withHeader("Idempotency-Key", equalTo("enrollment_created:abc"))
                .withHeader("Authorization", equalTo("Bearer re_test_key_123"))
                .withRequestBody(matchingJsonPath("$.to[0]", equalTo("student@example.com")))
                .withRequestBody(matchingJsonPath("$.subject", equalTo("You are enrolled in Prompt Engineering")))
                .withRequestBody(matchingJsonPath("$.html"))
                .withRequestBody(matchingJsonPath("$.text"))
                .withRequestBody(matchingJsonPath("$.from", equalTo("Gatehouse <onboarding@resend.dev>"))));
    }

    @Test
    void rateLimitExceededIsRetriedAfterResendsRetryAfter() throws Exception {
        resend.stubFor(post("/emails").inScenario("rl").whenScenarioStateIs(STARTED).willReturn(ResendWire.rateLimited(1)).willSetStateTo("ok"));
        resend.stubFor(post("/emails").inScenario("rl").whenScenarioStateIs("ok").willReturn(ResendWire.sent("id-2")));
        long id = Outboxes.enqueue(db.dataSource());

        startWorker();

        Outboxes.Row row = awaitStatus(id, "sent");
        assertThat(row.attempts()).isEqualTo(2);
        List<ServeEvent> events = requestsInOrder();
        assertThat(Duration.between(events.get(0).getRequest().getLoggedDate().toInstant(), events.get(1).getRequest().getLoggedDate().toInstant()))
                .as("waited for retry-after").isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void dailyQuotaWaitsForMidnightUtcWithoutUsingAnAttemptOrCallingResendAgain() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.dailyQuota()));
        long first = Outboxes.enqueue(db.dataSource());
        long second = Outboxes.enqueue(db.dataSource());

        startWorker("EMAIL_WORKER_CONCURRENCY", "1");

        var midnight = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        for (long id : List.of(first, second)) {
            Outboxes.Row row = await().atMost(Duration.ofSeconds(10)).until(() -> Outboxes.row(db.dataSource(), id),
                    r -> r.status().equals("failed") && r.nextAttemptAt().equals(midnight));
            assertThat(row.attempts()).as("a spent quota is not the row's fault").isZero();
            assertThat(row.lastError()).containsAnyOf("daily_quota_exceeded", "quota spent");
        }
        resend.verify(1, postRequestedFor(urlEqualTo("/emails")));
    }

    @Test
    void monthlyQuotaWaitsForTheFirstOfNextMonth() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.monthlyQuota()));
        long id = Outboxes.enqueue(db.dataSource());

        startWorker();

        var firstOfNext = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Outboxes.Row row = await().atMost(Duration.ofSeconds(10)).until(() -> Outboxes.row(db.dataSource(), id),
                r -> r.status().equals("failed") && r.nextAttemptAt().equals(firstOfNext));
        assertThat(row.attempts()).isZero();
    }

    @Test
    void serverErrorsTimeoutsResetsAndMalformedAnswersAreRetriedUntilSent() throws Exception {
        resend.stubFor(post("/emails").inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(ResendWire.error(500, "internal_server_error", "An unexpected error occurred.")).willSetStateTo("slow"));
        resend.stubFor(post("/emails").inScenario("flaky").whenScenarioStateIs("slow")
                .willReturn(ResendWire.sent("late").withFixedDelay(2500)).willSetStateTo("reset"));
        resend.stubFor(post("/emails").inScenario("flaky").whenScenarioStateIs("reset")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("malformed"));
        resend.stubFor(post("/emails").inScenario("flaky").whenScenarioStateIs("malformed")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"id\":")).willSetStateTo("ok"));
        resend.stubFor(post("/emails").inScenario("flaky").whenScenarioStateIs("ok").willReturn(ResendWire.sent("finally")));
        long id = Outboxes.enqueue(db.dataSource(), "welcome", "welcome:flaky");

        startWorker();

        Outboxes.Row row = awaitStatus(id, "sent");
        assertThat(row.attempts()).isEqualTo(5);
        assertThat(row.providerMessageId()).isEqualTo("finally");
        List<ServeEvent> events = requestsInOrder();
        assertThat(events).hasSize(5).allSatisfy(e -> assertThat(e.getRequest().getHeader("Idempotency-Key")).isEqualTo("welcome:flaky"));
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).getRequest().getLoggedDate()).as("backoff between attempts").isAfter(events.get(i - 1).getRequest().getLoggedDate());
        }
    }

    @Test
    void aRowThatKeepsFailingGoesDeadAfterItsMaxAttempts() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.error(503, "internal_server_error", "Service unavailable")));
        long id = Outboxes.enqueue(db.dataSource());
        try (Connection c = db.connect()) {
            c.createStatement().execute("update private.email_outbox set max_attempts = 3 where id = " + id);
        }

        startWorker();

        Outboxes.Row row = awaitStatus(id, "dead");
        assertThat(row.attempts()).isEqualTo(3);
        assertThat(row.lastError()).contains("503");
        resend.verify(3, postRequestedFor(urlEqualTo("/emails")));
        assertThat(outbox.stats().dead()).isEqualTo(1);
    }

    @Test
    void concurrentIdempotentRequestIsRetried() throws Exception {
        resend.stubFor(post("/emails").inScenario("c").whenScenarioStateIs(STARTED)
                .willReturn(ResendWire.error(409, "concurrent_idempotent_requests", "Same idempotency key used while original request is still in progress.")).willSetStateTo("ok"));
        resend.stubFor(post("/emails").inScenario("c").whenScenarioStateIs("ok").willReturn(ResendWire.sent("after-409")));
        long id = Outboxes.enqueue(db.dataSource());

        startWorker();

        assertThat(awaitStatus(id, "sent").attempts()).isEqualTo(2);
    }

    @Test
    void invalidIdempotentRequestIsABugAndDeadAtOnce() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.error(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.")));
        long id = Outboxes.enqueue(db.dataSource());

        startWorker();

        Outboxes.Row row = awaitStatus(id, "dead");
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.lastError()).contains("invalid_idempotent_request");
    }

    @Test
    void otherClientErrorsAreDeadAtOnceWithResendsReason() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.error(422, "validation_error", "Invalid `to` field.")));
        long id = Outboxes.enqueue(db.dataSource());

        startWorker();

        Outboxes.Row row = awaitStatus(id, "dead");
        assertThat(row.attempts()).isEqualTo(1);
        assertThat(row.lastError()).isEqualTo("resend 422 validation_error: Invalid `to` field.");
    }

    @Test
    void theClientSideRateSpacesSendsEvenly() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.sent("paced")));
        List<Long> ids = List.of(Outboxes.enqueue(db.dataSource()), Outboxes.enqueue(db.dataSource()), Outboxes.enqueue(db.dataSource()),
                Outboxes.enqueue(db.dataSource()));

        startWorker("EMAIL_RATE_PER_SECOND", "2");

        assertThat(ids).allSatisfy(id -> assertThat(awaitStatus(id, "sent").attempts()).isEqualTo(1));
        List<ServeEvent> events = requestsInOrder();
        // 4 sends at 2/s span 1.5 s (unpaced: a few ms); arrival times jitter on a busy machine.
        assertThat(Duration.between(events.getFirst().getRequest().getLoggedDate().toInstant(), events.getLast().getRequest().getLoggedDate().toInstant()))
                .as("2 per second").isGreaterThanOrEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void anExhaustedRatelimitRemainingPausesUntilTheReset() throws Exception {
        resend.stubFor(post("/emails").inScenario("r").whenScenarioStateIs(STARTED)
                .willReturn(ResendWire.sent("a").withHeader("ratelimit-remaining", "0").withHeader("ratelimit-reset", "1")).willSetStateTo("next"));
        resend.stubFor(post("/emails").inScenario("r").whenScenarioStateIs("next").willReturn(ResendWire.sent("b")));
        long first = Outboxes.enqueue(db.dataSource());
        startWorker("EMAIL_WORKER_CONCURRENCY", "1");
        awaitStatus(first, "sent");
        long second = Outboxes.enqueue(db.dataSource());

        awaitStatus(second, "sent");

        List<ServeEvent> events = requestsInOrder();
        assertThat(Duration.between(events.get(0).getRequest().getLoggedDate().toInstant(), events.get(1).getRequest().getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    private static List<ServeEvent> requestsInOrder() {
        return resend.getAllServeEvents().stream().sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
    }

    @Test
    void anAuthEmailsOneTimeTokenIsSentThenRemovedFromTheOutbox() throws Exception {
        resend.stubFor(post("/emails").willReturn(ResendWire.sent("auth-1")));
        long id;
        try (Connection c = db.connect()) {
            var rs = c.createStatement().executeQuery("""
                    insert into private.email_outbox (to_email, template, data, idempotency_key)
                    values ('student@example.com', 'auth_magiclink',
                            '{"token": "654321", "verify_url": "https://ref.supabase.co/auth/v1/verify?token=h1&type=magiclink"}', 'auth:magiclink:test')
                    returning id""");
            rs.next();
            id = rs.getLong(1);
        }

        startWorker();

        awaitStatus(id, "sent");
        resend.verify(postRequestedFor(urlEqualTo("/emails")).withRequestBody(matchingJsonPath("$.text", com.github.tomakehurst.wiremock.client.WireMock.containing("654321"))));
        try (Connection c = db.connect()) {
            var rs = c.createStatement().executeQuery("select data::text from private.email_outbox where id = " + id);
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("{}");
        }
    }
}
