package dev.gatehouse.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each trigger queues exactly one email in the transaction of its cause, and a cause that rolls back
 * queues nothing. Changes are made as the service or a dashboard would: plain SQL.
 */
class OutboxTriggersTest {
    static final String STUDENT2 = "a0000000-0000-4000-8000-000000000002";
    static final String FREE_COURSE = "c0000000-0000-4000-8000-000000000001";
    static final String PAID_COURSE = "c0000000-0000-4000-8000-000000000002";
    static TestDatabase db;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static List<Map<String, Object>> mail(Connection c, String keyPrefix) throws SQLException {
        return Postgrest.rows(c, "select template, to_email, idempotency_key from private.email_outbox where idempotency_key like ? || '%'", keyPrefix);
    }

    @Test
    void signUpQueuesOneWelcomeAndARolledBackSignUpNone() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            String id = java.util.UUID.randomUUID().toString();
            Postgrest.update(c, "insert into auth.users (id, aud, role, email, created_at, updated_at) values (?::uuid, 'authenticated', 'authenticated', 'rolled-back@test.example', now(), now())", id);
            assertThat(mail(c, "welcome:" + id)).hasSize(1);
            c.rollback();
            assertThat(mail(c, "welcome:" + id)).isEmpty();
            String kept = dev.gatehouse.auth.AuthUsers.signUp(c, "kept@test.example").id().toString();
            c.commit();
            assertThat(mail(c, "welcome:" + kept)).singleElement().satisfies(r -> assertThat(r.get("to_email")).isEqualTo("kept@test.example"));
        }
    }

    @Test
    void enrollmentAndCompletionQueueOneEmailEachAndNothingOnRollback() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            Object rolledBack = Postgrest.scalar(c, "insert into public.enrollments (student_id, course_id) values (?::uuid, ?::uuid) returning id", STUDENT2, PAID_COURSE);
            c.rollback();
            assertThat(mail(c, "enrollment_created:" + rolledBack)).isEmpty();

            Object enrollment = Postgrest.scalar(c, "insert into public.enrollments (student_id, course_id) values (?::uuid, ?::uuid) returning id", STUDENT2, FREE_COURSE);
            c.commit();
            assertThat(mail(c, "enrollment_created:" + enrollment)).singleElement()
                    .satisfies(r -> assertThat(r.get("template")).isEqualTo("enrollment_created"));

            Postgrest.update(c, "update public.enrollments set status = 'completed', completed_at = now() where id = ?::uuid", enrollment.toString());
            Postgrest.update(c, "update public.enrollments set status = 'active', completed_at = null where id = ?::uuid", enrollment.toString());
            Postgrest.update(c, "update public.enrollments set status = 'completed', completed_at = now() where id = ?::uuid", enrollment.toString());
            c.commit();
            assertThat(mail(c, "course_completed:" + enrollment)).as("completing twice still mails once").hasSize(1);
            assertThat(mail(c, "enrollment_created:" + enrollment)).hasSize(1);
        }
    }

    @Test
    void paymentsQueueReceiptFailureAndRefundEmailsOnceEach() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            Object payment = Postgrest.scalar(c, "insert into public.payments (user_id, course_id, kind, amount_cents, status) values (?::uuid, ?::uuid, 'course_purchase', 4900, 'pending') returning id",
                    STUDENT2, PAID_COURSE);
            Postgrest.update(c, "update public.payments set status = 'succeeded' where id = ?::uuid", payment.toString());
            c.rollback();
            assertThat(mail(c, "payment_receipt:" + payment)).isEmpty();

            Object paid = Postgrest.scalar(c, "insert into public.payments (user_id, course_id, kind, amount_cents, status) values (?::uuid, ?::uuid, 'course_purchase', 4900, 'succeeded') returning id",
                    STUDENT2, PAID_COURSE);
            Postgrest.update(c, "update public.payments set amount_refunded_cents = 1000, status = 'partially_refunded' where id = ?::uuid", paid.toString());
            Object failed = Postgrest.scalar(c, "insert into public.payments (user_id, course_id, kind, amount_cents, status, failure_reason) values (?::uuid, ?::uuid, 'course_purchase', 4900, 'failed', 'card_declined') returning id",
                    STUDENT2, PAID_COURSE);
            c.commit();
            assertThat(mail(c, "payment_receipt:" + paid)).hasSize(1);
            assertThat(mail(c, "refund_issued:" + paid)).hasSize(1);
            assertThat(mail(c, "payment_failed:" + failed)).hasSize(1);
        }
    }

    @Test
    void gradingASubmissionQueuesOneFeedbackEmail() throws Exception {
        try (Connection c = db.connect()) {
            Object submission = Postgrest.scalar(c, "select id from public.submissions limit 1");
            if (submission == null) {
                submission = Postgrest.scalar(c, "insert into public.submissions (homework_id, student_id, content) values ('e0000000-0000-4000-8000-000000000101', 'a0000000-0000-4000-8000-000000000001', 'my answer') returning id");
            }
            c.setAutoCommit(false);
            Postgrest.update(c, "update public.submissions set score = 80, feedback = 'rolled back' where id = ?::uuid", submission.toString());
            c.rollback();
            assertThat(mail(c, "homework_feedback:" + submission)).isEmpty();
            Postgrest.update(c, "update public.submissions set score = 90, feedback = 'Well done' where id = ?::uuid", submission.toString());
            c.commit();
            assertThat(mail(c, "homework_feedback:" + submission)).singleElement()
                    .satisfies(r -> assertThat(r.get("to_email")).isEqualTo("student@example.com"));
        }
    }
}
