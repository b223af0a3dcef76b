package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plans RLS gives front-end queries, on the benchmark's dataset at a twentieth of its size
 * (5,000 users, 15,000 enrollments, 75,000 progress rows; {@code bench/rls-data.sql}). Not timed:
 * it checks plan shapes, so that a policy change that brings back a whole-table scan (an OR with
 * an arm no index serves) or a sort of a whole large course fails here rather than in production.
 * Each test also checks that the rows are the ones the owner filter would give.
 */
class RlsPlanShapeTest {
    private static final double SCALE = 0.05;
    private static final int STUDENT = 1234;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;
    private static Postgrest api;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        try (Connection c = db.connectAsAdmin()) {
            RlsDataset.generate(c, SCALE);
        }
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static Persona student() {
        return Persona.user("student", RlsDataset.user(STUDENT), "user" + STUDENT + "@bench.example");
    }

    private static Persona teacher() {
        return Persona.user("teacher", RlsDataset.user(RlsDataset.TEACHER), "user" + RlsDataset.TEACHER + "@bench.example");
    }

    /** Every plan node as "Node Type on relation", depth first. */
    private static List<String> nodes(Persona who, String sql) throws Exception {
        String plan = api.as(who, c -> Postgrest.scalar(c, "explain (format json) " + sql).toString());
        List<String> out = new ArrayList<>();
        collect(JSON.readTree(plan).get(0).get("Plan"), out);
        return out;
    }

    private static void collect(JsonNode node, List<String> out) {
        out.add(node.get("Node Type").asText() + (node.has("Relation Name") ? " on " + node.get("Relation Name").asText() : ""));
        for (JsonNode child : node.path("Plans")) {
            collect(child, out);
        }
    }

    private static long count(Persona who, String sql) throws Exception {
        return api.as(who, c -> ((Number) Postgrest.scalar(c, "select count(*) from (" + sql + ") q")).longValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"enrollments", "lesson_progress", "submissions"})
    void aStudentsOwnRowsWithoutAnOwnerFilterAreFoundThroughAnIndex(String table) throws Exception {
        String all = "select * from public." + table;

        List<String> plan = nodes(student(), all);

        assertThat(plan).as("plan of %s as a student", all).doesNotContain("Seq Scan on " + table)
                .anyMatch(n -> n.startsWith("Bitmap Heap Scan on " + table) || n.startsWith("Index Scan on " + table));
        assertThat(count(student(), all)).isPositive()
                .isEqualTo(count(Persona.serviceRole(), all + " where student_id = '" + RlsDataset.user(STUDENT) + "'"));
    }

    @Test
    void aTeachersRosterPageOfTheirLargeCourseWalksTheOrderedIndexWithoutSorting() throws Exception {
        String page = "select student_id, status, enrolled_at from public.enrollments where course_id = '"
                + RlsDataset.course(RlsDataset.LARGE_COURSE) + "' order by enrolled_at desc limit 50";

        List<String> plan = nodes(teacher(), page);

        assertThat(plan).as("roster page plan as the course's teacher").contains("Index Scan on enrollments").doesNotContain("Sort");
        assertThat(count(teacher(), page)).isEqualTo(50);
    }

    /**
     * The roster page as PostgREST runs it: prepared once on a pooled connection, the course id a
     * parameter, the statement reused by request after request, each request applying the
     * impersonated role's own settings. Past the plan cache's five custom plans.
     */
    record Reused(List<String> plan, long genericPlans, long customPlans) {}

    private static Reused reusedRosterPlan(boolean roleSettings) throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, "prepare roster(uuid) as select student_id, status, enrolled_at from public.enrollments"
                    + " where course_id = $1 order by enrolled_at desc limit 50");
            List<String> plan = new ArrayList<>();
            for (int request = 0; request < 8; request++) {
                c.setAutoCommit(false);
                try {
                    Postgrest.scalar(c, "select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true),"
                            + " set_config('request.jwt.claims', ?, true)", teacher().claimsJson());
                    if (roleSettings) {
                        Postgrest.applySettings(c, Postgrest.roleSettings(c, "authenticated"));
                    }
                    plan.clear();
                    collect(JSON.readTree(Postgrest.scalar(c, "explain (format json) execute roster('"
                            + RlsDataset.course(RlsDataset.LARGE_COURSE) + "')").toString()).get(0).get("Plan"), plan);
                } finally {
                    c.rollback();
                    c.setAutoCommit(true);
                }
            }
            Map<String, Object> cache = Postgrest.rows(c, "select generic_plans, custom_plans from pg_prepared_statements where name = 'roster'").getFirst();
            Postgrest.update(c, "deallocate roster");
            return new Reused(plan, ((Number) cache.get("generic_plans")).longValue(), ((Number) cache.get("custom_plans")).longValue());
        }
    }

    @Test
    void aTeachersRosterPageStaysOnTheOrderedIndexWhenPostgrestReusesTheStatement() throws Exception {
        Reused roster = reusedRosterPlan(true);

        assertThat(roster.plan()).as("roster page plan on the eighth request of a reused statement").contains("Index Scan on enrollments")
                .doesNotContain("Sort");
        assertThat(roster.genericPlans()).as("requests served by a plan shared with other callers").isZero();
        assertThat(roster.customPlans()).isEqualTo(8);
    }

    @Test
    void withoutTheRolesPlanSettingTheReusedRosterStatementTurnsToASharedGenericPlan() throws Exception {
        // the check above can fail: left to itself the plan cache serves requests six to eight with a generic plan,
        // made without knowing the course (at 100k users that plan is the bitmap over the whole course and a sort)
        Reused roster = reusedRosterPlan(false);

        assertThat(roster.genericPlans()).isPositive();
    }

    @Test
    void aTeachersSubmissionsWithoutACourseFilterAreFoundThroughAnIndex() throws Exception {
        // the teacher also studies: their own two submissions are theirs to read as well
        String all = "select * from public.submissions";
        String theirCourses = RlsDataset.taughtBy(RlsDataset.TEACHER).stream().map(id -> "'" + id + "'")
                .reduce((a, b) -> a + ", " + b).orElseThrow();

        List<String> plan = nodes(teacher(), all);

        assertThat(plan).doesNotContain("Seq Scan on submissions");
        assertThat(count(teacher(), all)).isPositive()
                .isEqualTo(count(Persona.serviceRole(), all + " where course_id in (" + theirCourses + ") or student_id = '"
                        + RlsDataset.user(RlsDataset.TEACHER) + "'"));
    }

    @Test
    void aStudentsSessionsWithoutACourseFilterAreFoundThroughAnIndex() throws Exception {
        String upcoming = "select * from public.sessions order by starts_at limit 20";

        List<String> plan = nodes(student(), upcoming);

        assertThat(plan).doesNotContain("Seq Scan on sessions");
        List<UUID> enrolled = RlsDataset.enrolledIn(STUDENT);
        assertThat(count(student(), upcoming)).isPositive().isEqualTo(count(Persona.serviceRole(), upcoming.replace("order by",
                "where course_id in ('" + enrolled.get(0) + "', '" + enrolled.get(1) + "', '" + enrolled.get(2) + "') order by")));
    }

    /**
     * PL/pgSQL calls (the security-definer policy helpers) made while planning {@code sql} as
     * {@code who}, with {@code setUp} run first in the same transaction (superuser, rolled back).
     */
    private static long helperCallsWhilePlanning(Persona who, String sql, String setUp) throws Exception {
        try (Connection c = db.connectAsAdmin()) {
            c.setAutoCommit(false);
            try {
                Postgrest.scalar(c, "select set_config('track_functions', 'pl', true)");
                if (setUp != null) {
                    Postgrest.update(c, setUp);
                }
                Postgrest.scalar(c, "select set_config('search_path', 'public, extensions', true), set_config('role', 'authenticated', true),"
                        + " set_config('request.jwt.claims', ?, true)", who.claimsJson());
                Postgrest.scalar(c, "explain (format json) " + sql);
                Postgrest.scalar(c, "select set_config('role', 'none', true)");
                return ((Number) Postgrest.scalar(c, "select coalesce(sum(calls), 0) from pg_catalog.pg_stat_xact_user_functions"
                        + " where schemaname = 'private'")).longValue();
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "select * from public.lesson_progress where course_id = '%s'",
            "select student_id, status from public.enrollments where course_id = '%s' order by enrolled_at desc limit 50",
            "select * from public.submissions",
            "select * from public.homework where course_id = '%s'",
            "select * from public.sessions order by starts_at limit 20",
            "select * from public.lessons where course_id = '%s' order by position"})
    void planningASignedInStatementRunsNoPolicyHelper(String query) throws Exception {
        // every signed-in statement is planned again (force_custom_plan), so a helper the planner calls is paid per request
        String sql = query.formatted(RlsDataset.course(RlsDataset.LARGE_COURSE));

        assertThat(helperCallsWhilePlanning(student(), sql, null)).as("as a student: " + sql).isZero();
        assertThat(helperCallsWhilePlanning(teacher(), sql, null)).as("as a teacher: " + sql).isZero();
    }

    @Test
    void theHelperCheckCatchesAnArmThePlannerEvaluates() throws Exception {
        // 20261202600000's planner-visible arm: a security-definer helper called directly, run once per costed index path
        String old = """
                alter policy "students read their progress, instructors that of their courses, admins all" on public.lesson_progress
                using (student_id = (select auth.uid()) or course_id = any (private.taught_course_ids()))""";

        assertThat(helperCallsWhilePlanning(teacher(), "select * from public.lesson_progress where course_id = '"
                + RlsDataset.course(RlsDataset.LARGE_COURSE) + "'", old)).isPositive();
    }

    @Test
    void theScanCheckCatchesThePoliciesOldOrShape() throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try {
                Postgrest.update(c, "drop policy \"students read their enrollments, instructors those of their courses, admins all\" on public.enrollments");
                Postgrest.update(c, """
                        create policy "the old shape" on public.enrollments for select to authenticated
                        using (student_id = (select auth.uid()) or course_id in (select private.my_taught_course_ids())
                               or (select private.is_admin()))""");
                Postgrest.scalar(c, "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ?, true)",
                        student().claimsJson());
                List<String> plan = new ArrayList<>();
                collect(JSON.readTree(Postgrest.scalar(c, "explain (format json) select * from public.enrollments").toString())
                        .get(0).get("Plan"), plan);

                assertThat(plan).contains("Seq Scan on enrollments");
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }
}
