package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.quota.Admission;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.quota.Admission.Reason;
import dev.gatehouse.quota.Admission.Rejected;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code dev plan} and {@code dev reset-usage} as a developer runs them, checked through the real
 * admission ({@link QuotaGate}): the new plan's limits are what the next request meets.
 */
class DevPlanCommandsTest {
    private static TestDatabase db;
    private static QuotaGate gate;
    private static Map<String, String> devEnv;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        gate = new QuotaGate(db.dataSource());
        devEnv = Map.of("GATEHOUSE_MODE", "dev", "DATABASE_URL", url());
    }

    @AfterAll
    static void tearDown() {
        gate.close();
        db.close();
    }

    private static String url() {
        return DatabaseUrl.forPsql("127.0.0.1", TestDatabase.server().port(), "postgres", db.name());
    }

    @Test
    void proPlanLiftsASpentFreeQuotaAndFreeBringsItBack() throws Exception {
        AuthUser u = user("switcher@example.com");
        spend(u, 10);
        assertThat(admit(u)).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.INSUFFICIENT_QUOTA));

        CliRun pro = CliRun.of(devEnv, "dev", "plan", "--email", "switcher@example.com", "--plan", "pro");

        assertThat(pro.exitCode()).as(pro.err()).isZero();
        assertThat(pro.out()).contains("plan pro", "0 of 500 requests used");
        assertThat(admit(u)).isInstanceOfSatisfying(Admitted.class, a -> {
            assertThat(a.limits().planId()).isEqualTo("pro");
            assertThat(a.limits().requestsLimit()).isEqualTo(500);
        });
        assertThat(liveSubscription(u)).isEqualTo("pro active sub_dev_ period-current");

        CliRun free = CliRun.of(devEnv, "dev", "plan", "--email", "switcher@example.com", "--plan", "free");

        assertThat(free.exitCode()).as(free.err()).isZero();
        // The CLI is another process, so this instance meets the change when its quota lease (taken
        // on pro) runs out: within QuotaLeases.LIFE_NANOS (3 s), the documented bound for a plan
        // changed elsewhere. Before leases it was the very next request.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(admit(u)).as("back on free, whose month is spent")
                .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.limits().planId()).isEqualTo("free")));
        assertThat(liveSubscription(u)).isEqualTo("none");
    }

    @Test
    void enterpriseHasNoMonthlyRequestLimit() throws Exception {
        AuthUser u = user("big@example.com");

        CliRun run = CliRun.of(devEnv, "dev", "plan", "--email", "big@example.com", "--plan", "enterprise");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(admit(u)).isInstanceOfSatisfying(Admitted.class, a -> {
            assertThat(a.limits().planId()).isEqualTo("enterprise");
            assertThat(a.limits().requestsLimit()).isNull();
        });
    }

    @Test
    void resetUsageGivesASpentFreeUserAFreshMonth() throws Exception {
        AuthUser u = user("spent@example.com");
        spend(u, 10);

        CliRun run = CliRun.of(devEnv, "dev", "reset-usage", "--email", "spent@example.com");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("plan free", "0 of 10 requests used");
        spend(u, 10);
        assertThat(admit(u)).as("the fresh period holds the free plan's ten again")
                .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.INSUFFICIENT_QUOTA));
    }

    @Test
    void resetUsageRestartsAPaidPlansPeriodFromNow() throws Exception {
        AuthUser u = user("paid@example.com");
        assertThat(CliRun.of(devEnv, "dev", "plan", "--email", "paid@example.com", "--plan", "pro").exitCode()).isZero();
        Admitted before = (Admitted) admit(u);

        CliRun run = CliRun.of(devEnv, "dev", "reset-usage", "--email", "paid@example.com");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Admitted after = (Admitted) admit(u);
        assertThat(after.limits().requestsUsed()).isEqualTo(1);
        assertThat(after.limits().periodStart()).isAfter(before.limits().periodStart());
    }

    @Test
    void aNewEmailIsSignedUpFirst() throws Exception {
        CliRun run = CliRun.of(devEnv, "dev", "plan", "--email", "brand-new@example.com", "--plan", "pro");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(liveSubscription(user("brand-new@example.com"))).startsWith("pro active");
    }

    @Test
    void bothAreRefusedOutsideDevModeAndWriteNothing() throws Exception {
        Map<String, String> production = Map.of("DATABASE_URL", url(), "SUPABASE_JWT_SECRET", "production-secret-0123456789abcdefghijkl");
        AuthUser u = user("student@example.com");

        CliRun plan = CliRun.of(production, "dev", "plan", "--email", "student@example.com", "--plan", "enterprise");
        CliRun reset = CliRun.of(production, "dev", "reset-usage", "--email", "student@example.com");

        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.err()).contains("refused outside dev mode");
        assertThat(reset.exitCode()).isEqualTo(2);
        assertThat(reset.err()).contains("refused outside dev mode");
        assertThat(liveSubscription(u)).isEqualTo("none");
    }

    @Test
    void anUnknownPlanIsNamedWithThePlansThatExist() {
        CliRun run = CliRun.of(devEnv, "dev", "plan", "--email", "student@example.com", "--plan", "gold");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown plan 'gold'", "free, pro, enterprise");
    }

    @Test
    void helpListsBothCommands() {
        CliRun run = CliRun.of(devEnv, "dev", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("dev plan --email", "dev reset-usage --email");
    }

    private static AuthUser user(String email) throws Exception {
        try (Connection c = db.connect()) {
            return AuthUsers.byEmail(c, email).isPresent() ? AuthUsers.byEmail(c, email).get() : AuthUsers.signUp(c, email);
        }
    }

    private static Admission admit(AuthUser u) {
        return gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 16));
    }

    private static void spend(AuthUser u, int requests) {
        for (int i = 0; i < requests; i++) {
            assertThat(admit(u)).as("request %d", i + 1).isInstanceOf(Admitted.class);
        }
    }

    /** The user's live subscription as "plan status id-prefix period-current", or "none". */
    private static String liveSubscription(AuthUser u) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("""
                select plan_id || ' ' || status || ' ' || left(stripe_subscription_id, 8) || ' '
                       || case when current_period_start <= now() and now() < current_period_end then 'period-current' else 'period-not-current' end
                from public.subscriptions where user_id = ? and status in ('active', 'trialing', 'past_due')""")) {
            ps.setObject(1, u.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "none";
            }
        }
    }
}
