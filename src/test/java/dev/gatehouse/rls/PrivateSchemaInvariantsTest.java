package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 7: private tables cannot be reached with the API roles' rights, private functions run
 * only for the roles meant to call them, and every security definer function pins its search path and
 * answers only about its caller ({@code auth.uid()}).
 */
class PrivateSchemaInvariantsTest {
    /** Policy helpers (and the search helpers) that RLS evaluates with the caller's rights, so they must be executable. */
    private static final Set<String> PRIVATE_FOR_AUTHENTICATED = Set.of(
            "try_uuid", "is_end_user", "is_admin", "is_instructor", "my_taught_course_ids", "my_enrolled_course_ids",
            "my_course_ids", "is_enrolled", "can_manage_course", "is_course_participant", "is_free_published_course",
            "course_id_from_topic", "unaccent_text", "course_search_document", "match_published_courses",
            "taught_course_ids", "participant_course_ids", "lowest_uuid_for_admins", "instructor_floor", "instructor_ceiling",
            "is_published_course",
            // api_keys' scope check constraint calls it, so revoking one's own key (an UPDATE) must be able to
            "api_key_scopes");
    private static final Set<String> PRIVATE_FOR_ANON = Set.of("unaccent_text", "match_published_courses");

    private static TestDatabase db;
    private static Postgrest api;
    private static final Persona NO_SUBJECT = new Persona("authenticated-without-sub", "authenticated", null, null);

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void privateTablesAreUnreachableThroughTheDataApi() throws Exception {
        List<Map<String, Object>> tables = superuser("""
                select c.relname as name, (select a.attname from pg_catalog.pg_attribute a
                                           where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                                             and a.attidentity = '' and a.attgenerated = ''
                                           order by a.attnum limit 1) as first_column
                from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'private' and c.relkind in ('r', 'p') order by 1""");
        // Every private table is checked below; this names them so a new one is a conscious addition.
        assertThat(tables).extracting(t -> t.get("name")).containsExactly(
                "ai_quota_periods", "ai_reservations", "audit_log", "email_outbox", "jobs", "prompt_share_views", "session_meetings",
                "stripe_customers", "task_results", "webhook_events");

        for (Persona who : List.of(Persona.anon(), Seed.student(), Seed.admin())) {
            for (Map<String, Object> t : tables) {
                String table = "private." + t.get("name");
                String column = (String) t.get("first_column");
                for (String attempt : List.of(
                        "select * from " + table + " limit 1",
                        "insert into " + table + " default values",
                        "update " + table + " set " + column + " = " + column + " where false",
                        "delete from " + table + " where false")) {
                    assertThat(Outcome.attempt(api, who, attempt)).as("%s: %s", who, attempt).isEqualTo(Outcome.DENY);
                }
            }
        }
    }

    @Test
    void privateFunctionsRunOnlyForTheRolesMeantToCallThem() throws Exception {
        assertThat(executableIn(db, "private", "authenticated")).containsExactlyInAnyOrderElementsOf(PRIVATE_FOR_AUTHENTICATED);
        assertThat(executableIn(db, "private", "anon")).containsExactlyInAnyOrderElementsOf(PRIVATE_FOR_ANON);

        for (String attempt : List.of(
                "select private.log_security_event('forged', '{}')",
                "select private.enqueue_email(auth.uid(), 'payment_receipt', '{}', 'forged-key')",
                "select private.enqueue_job('certificate.issue', '{}')",
                "select * from private.current_plan(auth.uid())",
                "select * from private.ai_admit(auth.uid(), gen_random_uuid(), 'dev-echo', null, false, 1, 1)")) {
            assertThat(Outcome.attempt(api, Seed.student(), attempt)).as(attempt).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void securityDefinerFunctionsPinSearchPathAndCheckCaller() throws Exception {
        List<Map<String, Object>> definers = superuser("""
                select p.oid::regprocedure::text as fn, coalesce(array_to_string(p.proconfig, ','), '') as config
                from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where p.prosecdef and n.nspname in ('public', 'private')""");
        assertThat(definers).isNotEmpty();
        for (Map<String, Object> f : definers) {
            assertThat((String) f.get("config")).as((String) f.get("fn")).isEqualTo("search_path=\"\"");
        }

        // the public RPCs refuse a caller without a user, whatever role they claim
        for (String rpc : List.of("select * from public.my_plan()", "select * from public.create_api_key('k')",
                "select public.admin_set_user_role('" + Seed.STUDENT + "', 'admin')")) {
            assertThat(Outcome.attempt(api, NO_SUBJECT, rpc)).as(rpc).isEqualTo(Outcome.DENY);
            assertThat(Outcome.attempt(api, Persona.anon(), rpc)).as(rpc).isEqualTo(Outcome.DENY);
        }
        // the helpers answer about the caller and nobody else
        assertThat(answer(Seed.student(), "select private.is_enrolled(?)", Seed.FREE_COURSE)).isEqualTo(true);
        assertThat(answer(Seed.student2(), "select private.is_enrolled(?)", Seed.FREE_COURSE)).isEqualTo(false);
        assertThat(answer(Seed.instructor(), "select private.can_manage_course(?)", Seed.FREE_COURSE)).isEqualTo(true);
        assertThat(answer(Seed.student(), "select private.can_manage_course(?)", Seed.FREE_COURSE)).isEqualTo(false);
        assertThat(answer(Seed.instructor(), "select ? = any(private.taught_course_ids())", Seed.FREE_COURSE)).isEqualTo(true);
        assertThat(answer(Seed.student(), "select cardinality(private.taught_course_ids())")).isEqualTo(0);
        assertThat(answer(Seed.student(), "select private.participant_course_ids()::text")).isEqualTo("{" + Seed.FREE_COURSE + "}");
        assertThat(answer(Seed.admin(), "select private.lowest_uuid_for_admins()::text")).isEqualTo("00000000-0000-0000-0000-000000000000");
        assertThat(answer(Seed.instructor(), "select private.lowest_uuid_for_admins()")).isNull();
        assertThat(answer(Seed.instructor(), "select private.instructor_floor()::text || ' ' || private.instructor_ceiling()::text"))
                .isEqualTo(Seed.INSTRUCTOR + " " + Seed.INSTRUCTOR);
        assertThat(answer(Seed.admin(), "select private.instructor_floor()::text || ' ' || private.instructor_ceiling()::text"))
                .isEqualTo("00000000-0000-0000-0000-000000000000 ffffffff-ffff-ffff-ffff-ffffffffffff");
        assertThat(answer(NO_SUBJECT, "select coalesce(private.instructor_floor(), private.instructor_ceiling())")).isNull();
        assertThat(answer(Seed.student(), "select private.is_published_course(?)", Seed.FREE_COURSE)).isEqualTo(true);
        assertThat(answer(Seed.student(), "select private.is_published_course(?)", Seed.DRAFT_COURSE)).isEqualTo(false);
        assertThat(answer(Seed.student(), "select private.is_admin() or private.is_instructor()")).isEqualTo(false);
        assertThat(answer(Seed.admin(), "select private.is_admin()")).isEqualTo(true);
        assertThat(answer(NO_SUBJECT, "select private.is_course_participant(?) or private.is_admin()", Seed.FREE_COURSE)).isEqualTo(false);
        assertThat(answer(Seed.student(), "select array_agg(x) from private.my_course_ids() x")).hasToString("{" + Seed.FREE_COURSE + "}");
    }

    @Test
    void endUsersCannotCreateObjectsInAnySchemaTheyCanReach() throws Exception {
        for (Persona who : List.of(Persona.anon(), Seed.student())) {
            for (String attempt : List.of(
                    "create table public.shadow (id int)",
                    "create function public.is_admin() returns boolean language sql as 'select true'",
                    "create table private.shadow (id int)",
                    "create function private.shadow() returns boolean language sql as 'select true'",
                    "create table extensions.shadow (id int)")) {
                assertThat(Outcome.attempt(api, who, attempt)).as("%s: %s", who, attempt).isEqualTo(Outcome.DENY);
            }
        }
    }

    private static Object answer(Persona who, String sql, Object... params) throws SQLException {
        return api.as(who, c -> Postgrest.scalar(c, sql, params));
    }

    /** Functions of {@code schema} (not from extensions) that {@code role} may execute, directly or through PUBLIC. */
    static Set<String> executableIn(TestDatabase db, String schema, String role) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, """
                select p.proname from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = ? and has_function_privilege(?, p.oid, 'EXECUTE')
                  and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')""",
                    schema, role).stream().map(r -> (String) r.get("proname")).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static List<Map<String, Object>> superuser(String sql, Object... params) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, sql, params);
        }
    }
}
