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
 * DESIGN invariants 1 and 2 for identity and money: nobody changes their own role, plan, subscription,
 * payment, quota or usage, by any path a client has; each user sees only their own billing and usage.
 */
class IdentityAndBillingInvariantsTest {
    private static TestDatabase db;
    private static Postgrest api;
    private static Fixtures given;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        given = new Fixtures(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void studentCannotChangeOwnRole() throws Exception {
        Persona student = given.user("climber", "student");
        UUID me = student.userId();
        List<String> attempts = List.of(
                "update public.profiles set role = 'admin' where id = ?",
                "update public.profiles set display_name = 'Still me', role = 'instructor' where id = ?",
                "insert into public.profiles (id, role) values (?, 'admin') on conflict (id) do update set role = excluded.role",
                "select public.admin_set_user_role(?, 'admin')");

        for (String attempt : attempts) {
            assertThat(Outcome.attempt(api, student, attempt, me)).as(attempt).isEqualTo(Outcome.DENY);
        }
        assertThat(roleOf(me)).isEqualTo("student");
    }

    @Test
    void theRoleGuardHoldsEvenIfTheRoleColumnWereGrantedByMistake() throws Exception {
        Persona student = given.user("guarded", "student");

        SQLException refused = api.as(student, c -> {
            Postgrest.update(c, "set local role postgres");
            Postgrest.update(c, "grant update (role) on public.profiles to authenticated");
            Postgrest.update(c, "set local role authenticated");
            try {
                Postgrest.update(c, "update public.profiles set role = 'admin' where id = ?", student.userId());
                return null;
            } catch (SQLException e) {
                return e;
            }
        });

        assertThat((Object) refused).as("the update must fail").isNotNull();
        assertThat(refused.getSQLState()).isEqualTo("42501");
        assertThat(refused.getMessage()).contains("cannot change a role"); // the guard trigger, not the missing grant
    }

    @Test
    void onlyAdminsChangeRolesAndNeverTheirOwn() throws Exception {
        Persona target = given.user("target", "student");
        String promote = "select public.admin_set_user_role(?, 'instructor')";

        assertThat(Outcome.attempt(api, Persona.anon(), promote, target.userId())).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), promote, target.userId())).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.instructor(), promote, target.userId())).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.admin(), "select public.admin_set_user_role(?, 'student')", Seed.ADMIN))
                .isEqualTo(Outcome.DENY);
        assertThat(roleOf(target.userId())).isEqualTo("student");

        api.asAndCommit(Seed.admin(), c -> Outcome.observe(c, promote, target.userId()));

        assertThat(roleOf(target.userId())).isEqualTo("instructor");
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, """
                    select count(*) from private.audit_log
                    where kind = 'security.role_changed' and actor_id = ? and detail ->> 'target_user_id' = ?""",
                    Seed.ADMIN, target.userId().toString())).isEqualTo(1L);
        }
    }

    @Test
    void signUpMetadataCannotChooseARole() throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = db.connect()) {
            // what a client controls at sign-up: options.data becomes raw_user_meta_data
            Postgrest.update(c, """
                    insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
                    values ('00000000-0000-0000-0000-000000000000', ?, 'authenticated', 'authenticated', ?,
                            '{"provider":"email"}', '{"role":"admin","display_name":"Mallory"}', now(), now())""",
                    id, "mallory-" + id + "@test.example");
        }

        assertThat(roleOf(id)).isEqualTo("student");
    }

    @Test
    void studentCannotChangeOwnPlanOrSubscription() throws Exception {
        Persona student = given.user("subscriber", "student");
        UUID subscription = given.subscription(student.userId(), "pro");
        List<String> attempts = List.of(
                "update public.subscriptions set plan_id = 'enterprise' where id = ?",
                "update public.subscriptions set status = 'active', current_period_end = now() + interval '10 years' where id = ?",
                "delete from public.subscriptions where id = ?",
                "insert into public.subscriptions (id, user_id, plan_id, status) values (gen_random_uuid(), auth.uid(), 'enterprise', 'active') returning ?",
                "update public.plans set monthly_request_limit = null where id = 'pro' and ? is not null",
                "select * from private.current_plan(auth.uid()) where ? is not null");

        for (String attempt : attempts) {
            assertThat(Outcome.attempt(api, student, attempt, subscription)).as(attempt).isEqualTo(Outcome.DENY);
        }
        Object plan = api.as(student, c -> Postgrest.scalar(c, "select id from public.my_plan()"));
        assertThat(plan).isEqualTo("pro");
    }

    @Test
    void studentCannotInsertAPayment() throws Exception {
        Persona student = given.user("payer", "student");

        Outcome outcome = Outcome.attempt(api, student, """
                insert into public.payments (user_id, course_id, kind, amount_cents, status, paid_at)
                values (?, ?, 'course_purchase', 4900, 'succeeded', now())""", student.userId(), Seed.PAID_COURSE);

        assertThat(outcome).isEqualTo(Outcome.DENY);
    }

    @Test
    void studentCannotAlterOrDeleteOwnPayment() throws Exception {
        Persona student = given.user("refunder", "student");
        UUID payment = given.payment(student.userId(), Seed.PAID_COURSE, 4900);

        for (String attempt : List.of(
                "update public.payments set amount_refunded_cents = amount_cents, status = 'refunded' where id = ?",
                "update public.payments set user_id = auth.uid() where id = ?",
                "delete from public.payments where id = ?")) {
            assertThat(Outcome.attempt(api, student, attempt, payment)).as(attempt).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void usageAndQuotaRowsAreNotWritableByTheirOwner() throws Exception {
        Persona student = given.user("metered", "student");
        long usage = given.aiUsage(student.userId());
        List<String> attempts = List.of(
                "insert into public.ai_usage (user_id, request_id, model, outcome) values (auth.uid(), 'mine-' || ?, 'dev-echo', 'completed')",
                "update public.ai_usage set total_tokens = 0, prompt_tokens = 0, completion_tokens = 0 where id = ?::bigint",
                "delete from public.ai_usage where id = ?::bigint",
                "select * from private.ai_quota_periods where ?::text is not null",
                "update private.ai_quota_periods set requests_used = 0, tokens_used = 0 where ?::text is not null",
                "update private.ai_quota_periods set rate_tokens = 1000000 where ?::text is not null",
                "delete from private.ai_reservations where ?::text is not null",
                "select * from private.ai_usage_summary(auth.uid()) where ?::text is not null",
                "select * from private.ai_settle_many(array[gen_random_uuid()], array['failed'], array[0], array[0], array[null::text], array[0], array['none']) where ?::text is not null",
                "select * from private.ai_admit(auth.uid(), gen_random_uuid(), 'dev-echo', null, false, 1, 1) where ?::text is not null");

        for (String attempt : attempts) {
            assertThat(Outcome.attempt(api, student, attempt, String.valueOf(usage))).as(attempt).isEqualTo(Outcome.DENY);
        }
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select total_tokens from public.ai_usage where id = ?", usage)).isEqualTo(42L);
        }
    }

    @Test
    void aUserSeesOnlyTheirOwnSubscriptionsPaymentsUsageNotificationsAndKeys() throws Exception {
        Persona me = given.user("mine", "student");
        Persona other = given.user("theirs", "student");
        Map<String, UUID> mine = Map.of(
                "subscriptions", given.subscription(me.userId(), "pro"),
                "payments", given.payment(me.userId(), Seed.PAID_COURSE, 4900),
                "notifications", given.notification(me.userId()),
                "api_keys", given.apiKey(me.userId()));
        given.subscription(other.userId(), "pro");
        given.payment(other.userId(), Seed.PAID_COURSE, 4900);
        given.notification(other.userId());
        given.apiKey(other.userId());
        long myUsage = given.aiUsage(me.userId());
        given.aiUsage(other.userId());

        for (Map.Entry<String, UUID> table : mine.entrySet()) {
            List<Object> visible = api.as(me, c -> Postgrest.rows(c, "select id from public." + table.getKey()))
                    .stream().map(r -> r.get("id")).toList();
            assertThat(visible).as(table.getKey()).containsExactly(table.getValue());
        }
        List<Map<String, Object>> usage = api.as(me, c -> Postgrest.rows(c, "select id from public.ai_usage"));
        assertThat(usage).extracting(r -> r.get("id")).containsExactly(myUsage);
    }

    private static String roleOf(UUID user) throws Exception {
        try (Connection c = db.connect()) {
            return (String) Postgrest.scalar(c, "select role from public.profiles where id = ?", user);
        }
    }
}
