package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One rule decides a user's plan and billing period (private.plan_in_force): what my_plan() shows,
 * what GET /v1/usage reports and what admission enforces are always the same plan.
 */
class PlanInForceTest {
    private static TestDatabase db;
    private static QuotaGate gate;
    private static Postgrest api;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        gate = new QuotaGate(db.dataSource());
        api = new Postgrest(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        gate.close();
        db.close();
    }

    private static void subscription(AuthUser u, String plan, String status, Duration startedAgo, Duration endsIn, boolean cancelAtPeriodEnd)
            throws SQLException {
        Instant now = Instant.now();
        try (Connection c = db.connect()) {
            Postgrest.update(c, """
                    insert into public.subscriptions (user_id, plan_id, status, stripe_subscription_id, current_period_start,
                        current_period_end, cancel_at_period_end)
                    values (?, ?, ?, ?, ?, ?, ?)""", u.id(), plan, status, "sub_" + UUID.randomUUID().toString().replace("-", ""),
                    java.sql.Timestamp.from(now.minus(startedAgo)), java.sql.Timestamp.from(now.plus(endsIn)), cancelAtPeriodEnd);
        }
    }

    private static String shown(AuthUser u) throws SQLException {
        return api.as(Persona.user("u", u.id(), u.email()), c -> (String) Postgrest.scalar(c, "select id from public.my_plan()"));
    }

    private static String enforced(AuthUser u, String model) {
        Admission a = gate.admit(new QuotaGate.Ask(u.id(), model, null, false, 1, 1));
        return a.limits().planId() + (a instanceof Admission.Admitted ? "" : " refused " + ((Admission.Rejected) a).reason());
    }

    @Test
    void withTwoLiveSubscriptionsTheShownPlanIsTheEnforcedPlan() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "two-plans");
        subscription(u, "enterprise", "active", Duration.ofDays(10), Duration.ofDays(5), false);
        subscription(u, "pro", "active", Duration.ofDays(1), Duration.ofDays(29), false);

        assertThat(shown(u)).isEqualTo("enterprise");
        assertThat(gate.summary(u.id()).planId()).isEqualTo("enterprise");
        assertThat(enforced(u, "gpt-4o")).isEqualTo("enterprise");
    }

    @Test
    void aPeriodThatJustEndedKeepsItsPlanDuringTheRenewalGraceInTheNextPeriod() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "late-renewal");
        subscription(u, "pro", "active", Duration.ofDays(30), Duration.ofHours(-1), false);

        assertThat(shown(u)).isEqualTo("pro");
        assertThat(enforced(u, "gpt-4o")).as("pro's model is still allowed").isEqualTo("pro");
        UsageSummary usage = gate.summary(u.id());
        assertThat(usage.planId()).isEqualTo("pro");
        assertThat(usage.periodStart()).as("the renewal period starts where the last one ended")
                .isCloseTo(Instant.now().minus(Duration.ofHours(1)), org.assertj.core.api.Assertions.within(Duration.ofSeconds(10)));
    }

    @Test
    void aPeriodThatEndedBeyondTheGraceFallsBackToFreeEverywhere() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "lapsed");
        subscription(u, "pro", "active", Duration.ofDays(34), Duration.ofDays(-4), false);

        assertThat(shown(u)).isEqualTo("free");
        assertThat(gate.summary(u.id()).planId()).isEqualTo("free");
        assertThat(enforced(u, "gpt-4o")).isEqualTo("free refused MODEL_NOT_ALLOWED");
    }

    @Test
    void cancelAtPeriodEndKeepsThePlanUntilThePeriodEndsWithoutGrace() throws Exception {
        AuthUser keeps = Users.signUp(db.dataSource(), "cancelling");
        subscription(keeps, "pro", "active", Duration.ofDays(20), Duration.ofDays(10), true);
        AuthUser ended = Users.signUp(db.dataSource(), "cancelled");
        subscription(ended, "pro", "active", Duration.ofDays(30), Duration.ofHours(-1), true);

        assertThat(shown(keeps)).isEqualTo("pro");
        assertThat(enforced(keeps, "gpt-4o")).isEqualTo("pro");
        assertThat(shown(ended)).isEqualTo("free");
        assertThat(enforced(ended, "gpt-4o")).isEqualTo("free refused MODEL_NOT_ALLOWED");
    }

    /** Stripe's subscription statuses, each inside its current period. */
    @ParameterizedTest
    @CsvSource({
        "active, pro", "trialing, pro", "past_due, pro",
        "canceled, free", "unpaid, free", "incomplete, free", "incomplete_expired, free", "paused, free"})
    void eachStripeStatusGrantsOrWithholdsThePlanTheSameWayEverywhere(String status, String expected) throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "status-" + status);
        subscription(u, "pro", status, Duration.ofDays(1), Duration.ofDays(29), false);

        assertThat(shown(u)).isEqualTo(expected);
        assertThat(gate.summary(u.id()).planId()).isEqualTo(expected);
        assertThat(enforced(u, "dev-echo")).isEqualTo(expected);
    }
}
