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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every table in {@code public} × every persona × select/insert/update/delete, with the expected outcome
 * of each cell kept as data in {@code rls/policy-matrix.txt} and the statement it runs in
 * {@code rls/policy-statements.txt}. Each cell is its own dynamic test, run as the persona exactly as
 * PostgREST would, in its own rolled-back transaction, so a failure names table, target, op and persona.
 */
class PolicyMatrixTest {
    static final List<String> OPERATIONS = List.of("select", "insert", "update", "delete");
    static final MatrixFile MATRIX = MatrixFile.read("rls/policy-matrix.txt", List.of("table", "target", "op"));
    static final Map<List<String>, String> STATEMENTS = MatrixFile.statements("rls/policy-statements.txt", 3);

    private static TestDatabase db;
    private static Postgrest api;
    private static Cast cast;
    private static Placeholders ids;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        Fixtures given = new Fixtures(db.dataSource());
        cast = Cast.create(given);

        Persona classmate = given.user("classmate", "student");
        UUID classmateEnrollment = given.enrollment(classmate.userId(), Seed.FREE_COURSE, "active");
        given.exec("insert into public.lesson_progress (student_id, lesson_id, course_id) values (?, ?, ?)",
                classmate.userId(), Seed.FREE_PREVIEW_LESSON, Seed.FREE_COURSE);
        UUID reviewable = given.course().priceCents(2500).create();
        given.enrollment(Seed.STUDENT, reviewable, "active"); // bought through the service
        UUID prompt = given.prompt(Seed.STUDENT, "Matrix prompt", "Summarise the lesson.");
        ids = new Placeholders()
                .with("student", Seed.STUDENT)
                .withAll(given.salesWorkspace(Seed.STUDENT))
                .with("prompt", prompt)
                .with("lesson_note", given.lessonNote(Seed.STUDENT, Seed.FREE_COURSE, Seed.FREE_LESSON))
                .with("prompt_version", given.promptVersion(prompt))
                .with("shared_prompt", given.sharedPrompt(prompt, Seed.STUDENT, "sp_matrix-" + UUID.randomUUID()))
                .with("classmate", classmate.userId())
                .with("classmate_enrollment", classmateEnrollment)
                .with("classmate_submission", given.submission(Seed.FREE_HOMEWORK, classmate.userId()))
                .with("classmate_message", given.message(Seed.FREE_COURSE, classmate.userId()))
                .with("classmate_review", given.review(Seed.FREE_COURSE, classmate.userId(), 3))
                .with("free_course", Seed.FREE_COURSE)
                .with("paid_course", Seed.PAID_COURSE)
                .with("draft_course", Seed.DRAFT_COURSE)
                .with("spare_free_course", given.course().create())
                .with("free_draft_course", given.course().draft().create())
                .with("reviewable_course", reviewable)
                .with("lesson", Seed.FREE_LESSON)
                .with("preview_lesson", Seed.FREE_PREVIEW_LESSON)
                .with("draft_preview_lesson", Seed.DRAFT_PREVIEW_LESSON)
                .with("homework", Seed.FREE_HOMEWORK)
                .with("spare_homework", given.homework(Seed.FREE_COURSE))
                .with("session", Seed.FREE_SESSION)
                .with("resource", Seed.FREE_RESOURCE)
                .with("enrollment", Seed.STUDENT_ENROLLMENT)
                .with("submission", given.submission(Seed.FREE_HOMEWORK, Seed.STUDENT))
                .with("student_message", Seed.STUDENT_MESSAGE)
                .with("review", Seed.STUDENT_REVIEW)
                .with("notification", given.notification(Seed.STUDENT))
                .with("payment", given.payment(Seed.STUDENT, reviewable, 2500))
                .with("subscription", given.subscription(Seed.STUDENT, "pro"))
                .with("api_key", given.apiKey(Seed.STUDENT))
                .with("ai_usage", given.aiUsage(Seed.STUDENT))
                .with("analytics_event", given.analyticsEvent(Seed.STUDENT));
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @TestFactory
    Stream<DynamicContainer> everyCellOfThePolicyMatrix() {
        return MATRIX.dynamicTests((row, persona) -> {
            String sql = STATEMENTS.get(row.key());
            assertThat(sql).as("statement for %s", row.name()).isNotNull();
            Persona who = cast.get(persona);
            return api.as(who, c -> Outcome.observe(c, ids.sql(sql, who.userId())));
        });
    }

    @Test
    void everyPublicTableIsInTheMatrixWithEveryOperation() throws Exception {
        Map<String, Set<String>> covered = new TreeMap<>();
        for (MatrixFile.Row row : MATRIX.rows()) {
            covered.computeIfAbsent(row.key().getFirst(), t -> new TreeSet<>()).add(row.key().get(2));
        }

        for (String table : publicTables()) {
            assertThat(covered).as("public.%s has no rows in %s", table, MATRIX.resource()).containsKey(table);
            assertThat(covered.get(table)).as("operations of public.%s in %s", table, MATRIX.resource())
                    .containsExactlyInAnyOrderElementsOf(OPERATIONS);
        }
    }

    @Test
    void theMatrixNamesOnlyTablesThatExist() throws Exception {
        Set<String> named = MATRIX.rows().stream().map(r -> r.key().getFirst()).collect(Collectors.toCollection(TreeSet::new));

        assertThat(publicTables()).containsAll(named);
    }

    @Test
    void everyMatrixRowHasExactlyOneStatementAndEveryStatementARow() {
        Set<List<String>> rows = MATRIX.rows().stream().map(MatrixFile.Row::key).collect(Collectors.toSet());

        assertThat(rows).as("matrix rows are unique").hasSize(MATRIX.rows().size());
        assertThat(STATEMENTS.keySet()).containsExactlyInAnyOrderElementsOf(rows);
        assertThat(MATRIX.personas()).containsExactlyInAnyOrderElementsOf(cast.byName().keySet());
    }

    private static Set<String> publicTables() throws Exception {
        return publicTables(db);
    }

    /** The tables of schema public, as PostgREST would expose them. */
    static Set<String> publicTables(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select tablename from pg_catalog.pg_tables where schemaname = 'public'").stream()
                    .map(r -> (String) r.get("tablename")).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
