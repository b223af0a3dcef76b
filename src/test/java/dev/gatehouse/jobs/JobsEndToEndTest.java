package dev.gatehouse.jobs;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job worker inside the running service, against WireMock fakes of an OpenAI-compatible model and
 * Zoom: AI homework feedback through the gateway's own path, certificates, meeting links.
 */
class JobsEndToEndTest {
    static final String STUDENT = "a0000000-0000-4000-8000-000000000001";
    static final String INSTRUCTOR = "a0000000-0000-4000-8000-000000000003";
    static final String HOMEWORK = "e0000000-0000-4000-8000-000000000101";
    static final String FREE_COURSE = "c0000000-0000-4000-8000-000000000001";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static WireMockExtension fake = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).resetOnEachTest(false).build();

    static TestDatabase db;
    static RunningService service;
    static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated();
        Path config = Files.createTempFile("gateway", ".json");
        Files.writeString(config, """
                {"providers": {"fake": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "FAKE_MODEL_KEY"}},
                 "deployments": {"fake-mini": {"provider": "fake", "model": "gpt-4o-mini-2024-07-18", "timeout_ms": 5000}},
                 "routes": {"gpt-4o-mini": ["fake-mini"]}}""".formatted(fake.baseUrl()));
        dataDir = Files.createTempDirectory("gatehouse-jobs");
        service = RunningService.start(db.dataSource(), Map.ofEntries(
                Map.entry("GATEHOUSE_CONFIG", config.toString()), Map.entry("FAKE_MODEL_KEY", "sk-fake-model-key"),
                Map.entry("GATEHOUSE_DATA_DIR", dataDir.toString()), Map.entry("EMAIL_WORKER", "off"),
                Map.entry("JOBS_POLL_MS", "200"), Map.entry("JOBS_BACKOFF_BASE_MS", "50"),
                Map.entry("GATEHOUSE_PUBLIC_URL", "https://gatehouse.example.com"),
                Map.entry("ZOOM_ACCOUNT_ID", "acct_123"), Map.entry("ZOOM_CLIENT_ID", "zoom-client"), Map.entry("ZOOM_CLIENT_SECRET", "zoom-secret"),
                Map.entry("ZOOM_OAUTH_URL", fake.baseUrl()), Map.entry("ZOOM_API_URL", fake.baseUrl())));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    static Map<String, Object> row(String sql, Object... params) throws Exception {
        try (Connection c = db.connect()) {
            var rows = Postgrest.rows(c, sql, params);
            return rows.isEmpty() ? null : rows.getFirst();
        }
    }

    @Test
    void aSubmissionToAiReviewedHomeworkGetsFeedbackThroughTheGatewayChargedToTheInstructorThenANotificationAndAnEmail() throws Exception {
        String feedback = "{\"score\": 80, \"strengths\": [\"Clear explanation of RLS\"], \"improvements\": [\"Add an example policy\"], \"summary\": \"Good work overall.\"}";
        fake.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("""
                {"id":"chatcmpl-job-1","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini-2024-07-18",
                 "choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":321,"completion_tokens":45,"total_tokens":366}}""".formatted(JSON.writeValueAsString(feedback)))));
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.homework set ai_feedback = true, max_score = 50 where id = ?::uuid", HOMEWORK);
        }

        Object submission;
        try (Connection c = db.connect()) {
            submission = Postgrest.scalar(c, "insert into public.submissions (homework_id, student_id, content) values (?::uuid, ?::uuid, 'RLS filters rows per user.') returning id",
                    HOMEWORK, STUDENT);
        }

        Map<String, Object> graded = await().atMost(Duration.ofSeconds(15)).until(
                () -> row("select score, feedback, feedback_source, graded_at from public.submissions where id = ?::uuid", submission.toString()),
                r -> r.get("graded_at") != null);
        assertThat(graded.get("feedback_source")).isEqualTo("ai");
        assertThat(graded.get("score").toString()).isEqualTo("40.00");
        assertThat((String) graded.get("feedback")).startsWith("Good work overall.").contains("- Add an example policy");
        fake.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
                .withHeader("Authorization", equalTo("Bearer sk-fake-model-key"))
                .withRequestBody(containing("RLS filters rows per user."))
                .withRequestBody(matchingJsonPath("$.response_format.type", equalTo("json_schema"))));
        assertThat(row("select count(*) as n from public.notifications where user_id = ?::uuid and kind = 'submission.graded' and payload->>'submission_id' = ?",
                STUDENT, submission.toString()).get("n")).isEqualTo(1L);
        assertThat(row("select template from private.email_outbox where idempotency_key like ?", "homework_feedback:" + submission + "%").get("template"))
                .isEqualTo("homework_feedback");
        Map<String, Object> usage = await().atMost(Duration.ofSeconds(10)).until(
                () -> row("select user_id::text as user_id, task, prompt_tokens from public.ai_usage where task = 'homework-feedback' and prompt_tokens = 321"),
                r -> r != null);
        assertThat(usage.get("user_id")).as("charged to the course's instructor").isEqualTo(INSTRUCTOR);
    }

    @Test
    void aSubmissionToHomeworkNotMarkedForAiReviewIsSkippedWithoutCallingAModel() throws Exception {
        Object submission;
        try (Connection c = db.connect()) {
            submission = Postgrest.scalar(c, "insert into public.submissions (homework_id, student_id, content) values ('e0000000-0000-4000-8000-000000000201', ?::uuid, 'x') returning id",
                    "a0000000-0000-4000-8000-000000000002");
        }
        Map<String, Object> job = await().atMost(Duration.ofSeconds(10)).until(
                () -> row("select status, last_error from private.jobs where dedupe_key = ?", "homework.ai_feedback:" + submission), r -> !r.get("status").equals("pending"));
        assertThat(job.get("status")).isEqualTo("skipped");
        assertThat((String) job.get("last_error")).contains("not marked");
    }

    @Test
    void completingACourseIssuesAPdfCertificateThatParsesAndNamesTheStudentAndVerifiesPublicly() throws Exception {
        String enrollment;
        try (Connection c = db.connect()) {
            enrollment = Postgrest.scalar(c, "select id from public.enrollments where student_id = ?::uuid and course_id = ?::uuid", STUDENT, FREE_COURSE).toString();
            Postgrest.update(c, "update public.enrollments set status = 'completed', completed_at = now() where id = ?::uuid", enrollment);
        }

        Map<String, Object> issued = await().atMost(Duration.ofSeconds(15)).until(
                () -> row("select certificate_code, certificate_path from public.enrollments where id = ?::uuid and certificate_issued_at is not null", enrollment),
                r -> r != null);
        String code = (String) issued.get("certificate_code");
        assertThat(issued.get("certificate_path")).isEqualTo(STUDENT + "/" + code + ".pdf");
        Path pdf = dataDir.resolve("storage").resolve("certificates").resolve(STUDENT).resolve(code + ".pdf");
        String text;
        try (var doc = Loader.loadPDF(pdf.toFile())) {
            text = new PDFTextStripper().getText(doc);
        }
        assertThat(text).contains("Sam Student").contains("Prompt Engineering").contains(code)
                .contains("https://gatehouse.example.com/certificates/" + code);

        HttpResponse<String> verified = service.get("/certificates/" + code, null);
        assertThat(verified.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(verified.body());
        assertThat(body.path("valid").asBoolean()).isTrue();
        assertThat(body.path("student_name").asText()).isEqualTo("Sam Student");
        assertThat(service.get("/certificates/GH-AAAA-BBBB-CCCC-DDDD", null).statusCode()).isEqualTo(404);
        assertThat(service.get("/certificates/not-a-code", null).statusCode()).isEqualTo(404);
        assertThat(row("select template from private.email_outbox where idempotency_key = ?", "certificate_issued:" + enrollment)).isNotNull();
    }

    @Test
    void aSessionWithoutALinkGetsAZoomMeetingThatFollowsItsChangesAndCancellation() throws Exception {
        fake.stubFor(post(urlPathEqualTo("/oauth/token")).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"zoom-access-1\",\"token_type\":\"bearer\",\"expires_in\":3599,\"scope\":\"meeting:write:meeting:admin\",\"api_url\":\"https://api.zoom.us\"}")));
        fake.stubFor(post("/v2/users/me/meetings").willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"id\":85746065432,\"uuid\":\"4444AAAiAAAAAiAiAiiAii==\",\"topic\":\"t\",\"type\":2,\"join_url\":\"https://us05web.zoom.us/j/85746065432?pwd=abc\",\"start_url\":\"https://us05web.zoom.us/s/85746065432?zak=x\"}")));
        fake.stubFor(patch(urlEqualTo("/v2/meetings/85746065432")).willReturn(aResponse().withStatus(204)));
        fake.stubFor(delete(urlEqualTo("/v2/meetings/85746065432")).willReturn(aResponse().withStatus(204)));

        String session;
        try (Connection c = db.connect()) {
            session = Postgrest.scalar(c, "insert into public.sessions (course_id, title, starts_at) values (?::uuid, 'Office hours', now() + interval '2 days') returning id",
                    FREE_COURSE).toString();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> row("select meeting_url from public.sessions where id = ?::uuid", session).get("meeting_url") != null);
        assertThat(row("select meeting_url from public.sessions where id = ?::uuid", session).get("meeting_url")).isEqualTo("https://us05web.zoom.us/j/85746065432?pwd=abc");
        fake.verify(postRequestedFor(urlEqualTo("/v2/users/me/meetings")).withHeader("Authorization", equalTo("Bearer zoom-access-1"))
                .withRequestBody(matchingJsonPath("$.topic", containing("Office hours"))).withRequestBody(matchingJsonPath("$.type", equalTo("2"))));

        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.sessions set starts_at = starts_at + interval '1 hour' where id = ?::uuid", session);
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> fake.verify(patchRequestedFor(urlEqualTo("/v2/meetings/85746065432"))));
        try (Connection c = db.connect()) {
            Postgrest.update(c, "delete from public.sessions where id = ?::uuid", session);
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> fake.verify(deleteRequestedFor(urlEqualTo("/v2/meetings/85746065432"))));
        fake.verify(1, postRequestedFor(urlPathEqualTo("/oauth/token"))
                .withHeader("Authorization", equalTo(okhttp3.Credentials.basic("zoom-client", "zoom-secret"))));
    }

    @Test
    void readyReportsEachQueuesDepthOldestPendingAgeAndDeadCount() throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into private.jobs (kind, status, attempts) values ('test.dead', 'dead', 5)");
        }

        HttpResponse<String> ready = service.get("/ready", null);

        JsonNode queues = JSON.readTree(ready.body()).path("checks").path("queues");
        assertThat(queues.path("jobs").path("dead").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(queues.path("email_outbox").has("depth")).isTrue();
        assertThat(queues.path("email_outbox").path("oldestPendingAgeSeconds").isNumber()).isTrue();
    }
}
