package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Repeated events and the emails they queue: each rule (supabase/README.md, "Outbox idempotency
 * keys") says what counts as a new email, and the idempotency key follows it.
 */
class OutboxIdempotencyTest {
    private static TestDatabase db;
    private static Fixtures given;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        given = new Fixtures(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static List<Map<String, Object>> emails(UUID user, String template) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select idempotency_key, data from private.email_outbox where user_id = ? and template = ? order by id",
                    user, template);
        }
    }

    private static long count(String sql, Object... params) throws SQLException {
        try (Connection c = db.connect()) {
            return (Long) Postgrest.scalar(c, sql, params);
        }
    }

    private static UUID payment(UUID user, String status, String failureReason) throws SQLException {
        try (Connection c = db.connect()) {
            return (UUID) Postgrest.scalar(c, """
                    insert into public.payments (user_id, kind, amount_cents, status, failure_reason, stripe_event_created_at)
                    values (?, 'subscription', 5000, ?, ?, now() - interval '1 hour') returning id""", user, status, failureReason);
        }
    }

    /** Applies a newer Stripe event to the payment, as the webhook handler does. */
    private static void event(UUID payment, String set, int minutesAfter) throws SQLException {
        given.exec("update public.payments set " + set + ", stripe_event_created_at = stripe_event_created_at + make_interval(mins => ?) where id = ?",
                minutesAfter, payment);
    }

    @Test
    void eachFailedAttemptOfOnePaymentSendsItsOwnEmail() throws Exception {
        Persona u = given.user("retries", "student");
        UUID p = payment(u.userId(), "failed", "card_declined");

        event(p, "failure_reason = 'insufficient_funds'", 1);

        assertThat(emails(u.userId(), "payment_failed")).hasSize(2);
    }

    @Test
    void aRefundReversedAndIssuedAgainForTheSameAmountSendsASecondRefundEmail() throws Exception {
        Persona u = given.user("refunds", "student");
        UUID p = payment(u.userId(), "succeeded", null);

        event(p, "amount_refunded_cents = 5000, status = 'refunded'", 1);
        event(p, "amount_refunded_cents = 0, status = 'succeeded'", 2);
        event(p, "amount_refunded_cents = 5000, status = 'refunded'", 3);

        assertThat(emails(u.userId(), "refund_issued")).hasSize(2);
    }

    @Test
    void aReceiptAfterAFailedAttemptCarriesNoFailureReason() throws Exception {
        Persona u = given.user("recovered", "student");
        UUID p = payment(u.userId(), "failed", "card_declined");

        event(p, "status = 'succeeded', paid_at = now()", 1);

        List<Map<String, Object>> receipts = emails(u.userId(), "payment_receipt");
        assertThat(receipts).hasSize(1);
        assertThat(receipts.getFirst().get("data").toString()).doesNotContain("card_declined");
    }

    @Test
    void completingACourseAgainAnnouncesItAsOftenInTheAppAsByEmail() throws Exception {
        Persona u = given.user("completer", "student");
        UUID course = given.course().create();
        UUID enrollment = given.enrollment(u.userId(), course, "completed");

        given.exec("update public.enrollments set status = 'active', completed_at = null where id = ?", enrollment);
        given.exec("update public.enrollments set status = 'completed', completed_at = now() where id = ?", enrollment);

        long notifications = count("select count(*) from public.notifications where user_id = ? and kind = 'course.completed'", u.userId());
        assertThat(notifications).isEqualTo(emails(u.userId(), "course_completed").size()).isEqualTo(1);
    }
}
