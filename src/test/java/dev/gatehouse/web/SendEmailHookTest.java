package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.email.HookSignature;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Supabase Auth's Send Email hook over HTTP: Standard Webhooks signatures, GoTrue's verify links, retries deduplicated. */
class SendEmailHookTest {
    static final byte[] KEY = "a-32-byte-test-key-for-the-hook!".getBytes(StandardCharsets.UTF_8);
    static final String SECRET = "v1,whsec_" + Base64.getEncoder().encodeToString(KEY);
    static final String STUDENT = "a0000000-0000-4000-8000-000000000001";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestDatabase db;
    static RunningService service;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of("SEND_EMAIL_HOOK_SECRET", SECRET, "EMAIL_WORKER", "off"));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    static String payload(String action, String email, String emailData) {
        return """
                {"user": {"id": "%s", "aud": "authenticated", "role": "authenticated", "email": "%s", "new_email": "new@example.com",
                  "app_metadata": {"provider": "email"}, "user_metadata": {}, "identities": [], "is_anonymous": false},
                 "email_data": {"email_action_type": "%s", "site_url": "https://ref.supabase.co/auth/v1", %s},
                 "metadata": {"uuid": "%s", "time": "2026-12-01T10:00:00Z", "name": "send-email", "ip_address": "203.0.113.7"}}"""
                .formatted(STUDENT, email, action, emailData, UUID.randomUUID());
    }

    HttpResponse<String> deliver(String body, long timestamp, String signature) throws Exception {
        String id = "msg_" + UUID.randomUUID();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + "/hooks/auth/send-email"))
                .header("Content-Type", "application/json").header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signature != null ? signature : HookSignature.sign(KEY, id, timestamp, body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> deliver(String body) throws Exception {
        return deliver(body, Instant.now().getEpochSecond(), null);
    }

    static List<Map<String, Object>> authMail(String template) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select to_email, data::text as data, idempotency_key from private.email_outbox where template = ? order by id", template);
        }
    }

    static JsonNode data(Map<String, Object> row) throws Exception {
        return JSON.readTree((String) row.get("data"));
    }

    @Test
    void aSignedSignupIsQueuedWithGoTruesVerifyLinkAndAnAuthRetryQueuesNothingMore() throws Exception {
        String body = payload("signup", "student@example.com",
                "\"token\": \"123456\", \"token_hash\": \"pkce_8f2b1c\", \"redirect_to\": \"https://app.example.com/welcome?from=mail&x=1\"");

        Instant t0 = Instant.now();
        HttpResponse<String> first = deliver(body);
        assertThat(Duration.between(t0, Instant.now())).as("inside Auth's 5 s budget").isLessThan(Duration.ofSeconds(5));
        HttpResponse<String> retry = deliver(body);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(JSON.readTree(first.body()).path("queued").asInt()).isEqualTo(1);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(retry.body()).path("queued").asInt()).as("a retry with a new webhook-id is the same email").isZero();
        List<Map<String, Object>> rows = authMail("auth_signup");
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("to_email")).isEqualTo("student@example.com");
        assertThat(data(rows.getFirst()).path("verify_url").asText()).isEqualTo(
                "https://ref.supabase.co/auth/v1/verify?token=pkce_8f2b1c&type=signup&redirect_to=https%3A%2F%2Fapp.example.com%2Fwelcome%3Ffrom%3Dmail%26x%3D1");
        assertThat(data(rows.getFirst()).path("token").asText()).isEqualTo("123456");
    }

    @Test
    void aSecureEmailChangeMailsBothAddressesWithSupabasesCrossedTokens() throws Exception {
        String body = payload("email_change", "old@example.com",
                "\"token\": \"111111\", \"token_hash\": \"hash-for-new\", \"token_new\": \"222222\", \"token_hash_new\": \"hash-for-current\", \"redirect_to\": \"https://app.example.com\"");

        assertThat(deliver(body).statusCode()).isEqualTo(200);

        List<Map<String, Object>> rows = authMail("auth_email_change");
        assertThat(rows).extracting(r -> r.get("to_email")).containsExactlyInAnyOrder("old@example.com", "new@example.com");
        for (Map<String, Object> r : rows) {
            JsonNode d = data(r);
            if (r.get("to_email").equals("old@example.com")) {
                assertThat(d.path("token").asText()).isEqualTo("111111");
                assertThat(d.path("verify_url").asText()).contains("token=hash-for-current&type=email_change");
            } else {
                assertThat(d.path("token").asText()).isEqualTo("222222");
                assertThat(d.path("verify_url").asText()).contains("token=hash-for-new&type=email_change");
            }
        }
    }

    @Test
    void recoveryMagicLinkAndInviteAreQueuedToo() throws Exception {
        for (String action : List.of("recovery", "magiclink", "invite")) {
            String body = payload(action, "student@example.com", "\"token\": \"654321\", \"token_hash\": \"h-" + action + "\", \"redirect_to\": \"https://app.example.com\"");
            assertThat(deliver(body).statusCode()).as(action).isEqualTo(200);
            assertThat(authMail("auth_" + action)).as(action).singleElement()
                    .satisfies(r -> assertThat(data(r).path("verify_url").asText()).contains("token=h-" + action + "&type=" + action));
        }
    }

    @Test
    void aBadOrStaleSignatureGets401AndQueuesNothing() throws Exception {
        String body = payload("magiclink", "bad@example.com", "\"token\": \"1\", \"token_hash\": \"never\", \"redirect_to\": \"https://app.example.com\"");
        long now = Instant.now().getEpochSecond();
        byte[] otherKey = "another-32-byte-key-not-the-one!".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> forged = deliver(body, now, HookSignature.sign(otherKey, "msg_x", now, body.getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> stale = deliver(body, now - 600, null);
        HttpResponse<String> tampered = deliver(body.replace("bad@example.com", "evil@example.com"), now,
                HookSignature.sign(KEY, "msg_y", now, body.getBytes(StandardCharsets.UTF_8)));

        for (HttpResponse<String> r : List.of(forged, stale, tampered)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).at("/error/http_code").asInt()).isEqualTo(401);
        }
        assertThat(JSON.readTree(stale.body()).at("/error/message").asText()).contains("tolerance");
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from private.email_outbox where data->>'token_hash' = 'never' or to_email like '%@example.com' and data::text like '%never%'"))
                    .isEqualTo(0L);
        }
    }

    @Test
    void anUnsupportedActionIsA400InAuthsErrorShape() throws Exception {
        HttpResponse<String> r = deliver(payload("carrier_pigeon", "student@example.com", "\"token\": \"1\""));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("carrier_pigeon");
    }
}
