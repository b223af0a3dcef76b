package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Money invariants: any permutation of a sequence's events, with any of them delivered again,
 * ends in exactly the rows in-order delivery gives. Seeded; a failure prints its seed and trial.
 */
class WebhookConvergenceTest {
    private static final int TRIALS = 25;
    private static TestDatabase db;

    @BeforeAll
    static void database() throws SQLException {
        db = TestDatabase.migrated();
        Lifecycles.pricePlans(db.dataSource());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void coursePurchaseInOrderEnrollsTheStudent() throws SQLException {
        UUID user = user();
        deliver(Lifecycles.coursePurchase(user));
        assertThat(state(user)).containsEntry("payments", List.of(Map.of("kind", "course_purchase", "amount_cents", 4900,
                "amount_refunded_cents", 0, "status", "succeeded", "paid", true)));
        assertThat(state(user)).containsEntry("enrollments", List.of(Map.of("course_id", Lifecycles.PAID_COURSE, "status", "active")));
    }

    @Test
    void refundInOrderRevokesTheEnrollment() throws SQLException {
        UUID user = user();
        deliver(Lifecycles.refundedPurchase(user));
        assertThat(state(user)).containsEntry("payments", List.of(Map.of("kind", "course_purchase", "amount_cents", 4900,
                "amount_refunded_cents", 4900, "status", "refunded", "paid", true)));
        assertThat(state(user)).containsEntry("enrollments", List.of(Map.of("course_id", Lifecycles.PAID_COURSE, "status", "refunded")));
    }

    @Test
    void subscriptionLifeInOrderEndsActiveOnTheUpgradedPlanInTheRenewedPeriod() throws SQLException {
        UUID user = user();
        deliver(Lifecycles.subscriptionLife(user));
        @SuppressWarnings("unchecked")
        Map<String, Object> sub = ((List<Map<String, Object>>) state(user).get("subscriptions")).getFirst();
        assertThat(sub).containsEntry("plan_id", "enterprise").containsEntry("status", "active").containsEntry("cancel_at_period_end", false)
                .containsEntry("start", Lifecycles.T0 + Lifecycles.MONTH).containsEntry("end", Lifecycles.T0 + 2 * Lifecycles.MONTH);
        assertThat(state(user).get("payments").toString()).contains("amount_cents=1900").contains("amount_cents=9900").doesNotContain("failed");
    }

    @Test
    void coursePurchaseConvergesUnderAnyOrderAndDuplicates() throws SQLException {
        converges("coursePurchaseConvergesUnderAnyOrderAndDuplicates", Lifecycles::coursePurchase);
    }

    @Test
    void refundConvergesUnderAnyOrderAndDuplicates() throws SQLException {
        converges("refundConvergesUnderAnyOrderAndDuplicates", Lifecycles::refundedPurchase);
    }

    @Test
    void subscriptionLifeConvergesUnderAnyOrderAndDuplicates() throws SQLException {
        converges("subscriptionLifeConvergesUnderAnyOrderAndDuplicates", Lifecycles::subscriptionLife);
    }

    @Test
    void threeTransitionsInOneSecondEndPastDueAndCancelingInAnyOrder() throws SQLException {
        UUID inOrder = user();
        deliver(Lifecycles.failedRenewalAndCancelInOneSecond(inOrder));
        @SuppressWarnings("unchecked")
        Map<String, Object> sub = ((List<Map<String, Object>>) state(inOrder).get("subscriptions")).getFirst();
        assertThat(sub).containsEntry("status", "past_due").containsEntry("cancel_at_period_end", true);
        converges("threeTransitionsInOneSecondEndPastDueAndCancelingInAnyOrder", Lifecycles::failedRenewalAndCancelInOneSecond);
    }

    @Test
    void aSubscriptionEventBeforeItsCheckoutStillEndsRight() throws SQLException {
        UUID inOrder = user();
        deliver(Lifecycles.subscriptionLife(inOrder));
        UUID reversed = user();
        List<String> events = new ArrayList<>(Lifecycles.subscriptionLife(reversed));
        Collections.reverse(events); // the checkout session comes last, every snapshot before it
        deliver(events);
        assertThat(state(reversed)).isEqualTo(state(inOrder));
    }

    private void converges(String name, Function<UUID, List<String>> sequence) throws SQLException {
        Random random = Seeds.random(name);
        for (int trial = 0; trial < TRIALS; trial++) {
            UUID inOrder = user();
            deliver(sequence.apply(inOrder));
            UUID shuffled = user();
            List<String> events = new ArrayList<>(sequence.apply(shuffled));
            int copies = random.nextInt(events.size() + 1);
            for (int i = 0; i < copies; i++) {
                events.add(events.get(random.nextInt(events.size())));
            }
            Collections.shuffle(events, random);
            deliver(events);
            assertThat(state(shuffled)).as("trial %d, delivery order %s", trial, types(events)).isEqualTo(state(inOrder));
        }
    }

    private static List<String> types(List<String> events) {
        return events.stream().map(e -> StripeEvent.parse(e).type() + "@" + StripeEvent.parse(e).created().getEpochSecond()).toList();
    }

    static void deliver(List<String> events) throws SQLException {
        try (Connection c = db.connect()) {
            for (String e : events) {
                StripeWebhook.apply(c, StripeEvent.parse(e));
            }
        }
    }

    private static UUID user() throws SQLException {
        AuthUser u = Users.signUp(db.dataSource(), "buyer");
        return u.id();
    }

    /** What a user's money looks like, without the ids that differ between two runs of a sequence. */
    static Map<String, Object> state(UUID user) throws SQLException {
        try (Connection c = db.connect()) {
            return Map.of(
                    "payments", Postgrest.rows(c, """
                            select kind, amount_cents, amount_refunded_cents, status, paid_at is not null as paid
                            from public.payments where user_id = ? order by kind, amount_cents""", user),
                    "enrollments", Postgrest.rows(c, "select course_id, status from public.enrollments where student_id = ? order by course_id", user),
                    "subscriptions", Postgrest.rows(c, """
                            select plan_id, status, cancel_at_period_end, extract(epoch from current_period_start)::bigint as start,
                                   extract(epoch from current_period_end)::bigint as end
                            from public.subscriptions where user_id = ?""", user));
        }
    }
}
