package dev.gatehouse.email;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Users choose per kind and channel; receipts always go; SMS through Twilio for opted-in kinds with a verified phone. */
class NotificationChannelsTest {
    static final String STUDENT2 = "a0000000-0000-4000-8000-000000000002";
    static final String SID = "AC" + "0123456789abcdef0123456789abcdef";
    static final String MESSAGES = "/2010-04-01/Accounts/" + SID + "/Messages.json";

    @RegisterExtension
    static WireMockExtension fake = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static TestDatabase db;
    @TempDir
    Path dataDir;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void clean() throws Exception {
        Outboxes.clearSeedMail(db.dataSource());
        try (Connection c = db.connect()) {
            c.createStatement().execute("update auth.users set phone = '15005550006', phone_confirmed_at = now() where id = '" + STUDENT2 + "'");
            c.createStatement().execute("update public.notification_preferences set email_course_updates = true, sms_course_updates = false where user_id = '" + STUDENT2 + "'");
            c.createStatement().execute("delete from public.enrollments where student_id = '" + STUDENT2 + "'");
        }
        fake.stubFor(post("/emails").willReturn(ResendWire.sent("email-id")));
    }

    /** Changes the user's own preferences through RLS, as supabase-js would. */
    static int asUser(String userId, String sql) throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            Postgrest.rows(c, "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ?, true)",
                    "{\"sub\":\"" + userId + "\",\"role\":\"authenticated\"}");
            int n = Postgrest.update(c, sql);
            c.commit();
            return n;
        }
    }

    static List<Map<String, Object>> queued(String keyPrefix) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select id, channel, to_email, to_phone, status, last_error from private.email_outbox where idempotency_key like ? || '%' order by channel", keyPrefix);
        }
    }

    static Object enroll(Connection c, String course) throws Exception {
        return Postgrest.scalar(c, "insert into public.enrollments (student_id, course_id) values (?::uuid, ?::uuid) returning id", STUDENT2, course);
    }

    @Test
    void aUserWhoTurnedOffCourseUpdatesGetsNoEnrollmentEmailButStillGetsReceipts() throws Exception {
        assertThat(asUser(STUDENT2, "update public.notification_preferences set email_course_updates = false where user_id = '" + STUDENT2 + "'")).isEqualTo(1);
        assertThat(asUser(STUDENT2, "update public.notification_preferences set email_marketing = true where user_id <> '" + STUDENT2 + "'"))
                .as("nobody changes another user's preferences").isZero();
        try (Connection c = db.connect()) {
            Object enrollment = enroll(c, "c0000000-0000-4000-8000-000000000001");
            Object payment = Postgrest.scalar(c, "insert into public.payments (user_id, kind, amount_cents, status) values (?::uuid, 'subscription', 900, 'succeeded') returning id", STUDENT2);
            assertThat(queued("payment_receipt:" + payment)).hasSize(1);
            assertThat(queued("enrollment_created:" + enrollment)).isEmpty();
        }
    }

    @Test
    void anOptedInUserWithAVerifiedPhoneGetsAnSmsThroughTwilioBesideTheEmail() throws Exception {
        asUser(STUDENT2, "update public.notification_preferences set sms_course_updates = true where user_id = '" + STUDENT2 + "'");
        fake.stubFor(post(MESSAGES).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"sid\": \"SM1234567890abcdef1234567890abcdef\", \"status\": \"queued\", \"to\": \"+15005550006\", \"num_segments\": \"1\"}")));
        Object enrollment;
        try (Connection c = db.connect()) {
            enrollment = enroll(c, "c0000000-0000-4000-8000-000000000001");
        }
        List<Map<String, Object>> rows = queued("enrollment_created:" + enrollment);
        assertThat(rows).extracting(r -> r.get("channel")).containsExactly("email", "sms");
        assertThat(rows.get(1).get("to_phone")).isEqualTo("+15005550006");

        EmailSettings s = Outboxes.settings(fake.baseUrl(), dataDir, "TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN", "twilio-token",
                "TWILIO_FROM", "+15017122661", "TWILIO_BASE_URL", fake.baseUrl(), "TWILIO_RATE_PER_SECOND", "0");
        try (EmailOutbox outbox = EmailOutbox.start(db.dataSource(), s)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> queued("enrollment_created:" + enrollment).stream().allMatch(r -> r.get("status").equals("sent")));
        }
        fake.verify(1, postRequestedFor(urlEqualTo(MESSAGES))
                .withHeader("Authorization", equalTo(okhttp3.Credentials.basic(SID, "twilio-token")))
                .withRequestBody(containing("To=%2B15005550006")).withRequestBody(containing("From=%2B15017122661"))
                .withRequestBody(containing("Body=Gatehouse%3A+you+are+enrolled")));
    }

    @Test
    void withoutTwilioAnSmsRowIsSkippedAndAnInvalidNumberIsDeadWithTwiliosReason() throws Exception {
        asUser(STUDENT2, "update public.notification_preferences set sms_course_updates = true where user_id = '" + STUDENT2 + "'");
        Object enrollment;
        try (Connection c = db.connect()) {
            enrollment = enroll(c, "c0000000-0000-4000-8000-000000000002");
        }
        try (EmailOutbox outbox = EmailOutbox.start(db.dataSource(), Outboxes.settings(fake.baseUrl(), dataDir))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> queued("enrollment_created:" + enrollment + ":sms").getFirst().get("status").equals("skipped"));
        }
        try (Connection c = db.connect()) {
            c.createStatement().execute("update private.email_outbox set status = 'pending', attempts = 0 where idempotency_key = 'enrollment_created:" + enrollment + ":sms'");
        }
        fake.stubFor(post(MESSAGES).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"code\": 21211, \"message\": \"The 'To' number +15005550006 is not a valid phone number.\", \"more_info\": \"https://www.twilio.com/docs/errors/21211\", \"status\": 400}")));
        EmailSettings s = Outboxes.settings(fake.baseUrl(), dataDir, "TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN", "twilio-token",
                "TWILIO_MESSAGING_SERVICE_SID", "MG0123", "TWILIO_BASE_URL", fake.baseUrl());
        try (EmailOutbox outbox = EmailOutbox.start(db.dataSource(), s)) {
            Map<String, Object> sms = await().atMost(Duration.ofSeconds(10)).until(() -> queued("enrollment_created:" + enrollment + ":sms").getFirst(),
                    r -> r.get("status").equals("dead"));
            assertThat((String) sms.get("last_error")).contains("21211");
        }
    }
}
