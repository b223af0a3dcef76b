package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.db.SqlFiles;
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
 * The instructor_id that enrollments, lesson progress and submissions carry for their read policies
 * (migrations 20261206300000 and 300100): always the course's instructor, after an insert, a change
 * of the course's instructor and the backfill, and never written by a signed-in user. A wrong value
 * would show a course's students to someone who does not teach it.
 */
class CourseInstructorColumnTest {
    private static final String FIRST = "20261206300000";
    private static final List<String> TABLES = List.of("enrollments", "lesson_progress", "submissions");

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

    /** A course taught by {@code teacher} with one student's enrollment, lesson progress and submission. */
    private static UUID courseWithWork(Fixtures f, UUID teacher, UUID student) throws SQLException {
        UUID course = f.course().taughtBy(teacher).create();
        f.enrollment(student, course, "active");
        UUID lesson = f.lesson(course, false);
        f.exec("insert into public.lesson_progress (student_id, lesson_id) values (?, ?)", student, lesson);
        f.submission(f.homework(course), student);
        return course;
    }

    /** Rows of the course, per table, whose instructor_id is not the course's instructor (null included). */
    private static long wrongRows(Connection c, UUID course) throws SQLException {
        long wrong = 0;
        for (String table : TABLES) {
            wrong += (Long) Postgrest.scalar(c, "select count(*) from public." + table + " t join public.courses c on c.id = t.course_id"
                    + " where t.course_id = ? and t.instructor_id is distinct from c.instructor_id", course);
        }
        return wrong;
    }

    private static List<Map<String, Object>> visible(Persona who, String sql, Object... params) throws SQLException {
        return api.as(who, c -> Postgrest.rows(c, sql, params));
    }

    private static long rowsOf(Connection c, UUID course) throws SQLException {
        long n = 0;
        for (String table : TABLES) {
            n += (Long) Postgrest.scalar(c, "select count(*) from public." + table + " where course_id = ?", course);
        }
        return n;
    }

    @Test
    void newRowsCarryTheirCoursesInstructor() throws Exception {
        Persona teacher = given.user("carrier-teacher", "instructor");
        Persona student = given.user("carrier-student", "student");
        UUID course = courseWithWork(given, teacher.userId(), student.userId());

        try (Connection c = db.connect()) {
            assertThat(rowsOf(c, course)).isEqualTo(3);
            assertThat(wrongRows(c, course)).isZero();
        }
        // and the teacher reads all three through the column arm, without the course filter
        for (String table : TABLES) {
            assertThat(visible(teacher, "select course_id from public." + table)).hasSize(1);
        }
    }

    @Test
    void theColumnFollowsACourseToItsNewInstructor() throws Exception {
        Persona before = given.user("old-teacher", "instructor");
        Persona after = given.user("new-teacher", "instructor");
        Persona student = given.user("moved-student", "student");
        UUID course = courseWithWork(given, before.userId(), student.userId());

        given.exec("update public.courses set instructor_id = ? where id = ?", after.userId(), course);

        try (Connection c = db.connect()) {
            assertThat(wrongRows(c, course)).isZero();
        }
        for (String table : TABLES) {
            String sql = "select course_id from public." + table + " where course_id = ?";
            assertThat(visible(after, sql, course)).as(table + " as the new instructor").hasSize(1);
            assertThat(visible(before, sql, course)).as(table + " as the old instructor").isEmpty();
        }
    }

    @Test
    void aSignedInUserCannotNameAnInstructorAndTrustedWritersAreOverruled() throws Exception {
        Persona student = given.user("forger", "student");
        Persona accomplice = given.user("accomplice", "instructor");
        UUID free = given.course().create();

        // authenticated holds no insert or update grant on the column
        assertThat(Outcome.attempt(api, student,
                "insert into public.enrollments (student_id, course_id, instructor_id) values (?, ?, ?)",
                student.userId(), free, accomplice.userId())).isEqualTo(Outcome.DENY);
        UUID course = courseWithWork(given, Seed.INSTRUCTOR, student.userId());
        for (String table : TABLES) {
            assertThat(Outcome.attempt(api, student, "update public." + table + " set instructor_id = ? where student_id = ?",
                    accomplice.userId(), student.userId())).as(table).isEqualTo(Outcome.DENY);
        }

        // a trusted writer's value is replaced by the course's instructor, on insert and on update
        UUID other = given.course().create();
        given.exec("insert into public.enrollments (student_id, course_id, instructor_id) values (?, ?, ?)",
                student.userId(), other, accomplice.userId());
        for (String table : TABLES) {
            given.exec("update public." + table + " set instructor_id = ? where student_id = ?", accomplice.userId(), student.userId());
        }
        try (Connection c = db.connect()) {
            assertThat(wrongRows(c, course)).isZero();
            assertThat(wrongRows(c, other)).isZero();
            assertThat(rowsOf(c, other)).isEqualTo(1);
        }
        for (String table : TABLES) {
            assertThat(visible(accomplice, "select 1 from public." + table)).as(table).isEmpty();
        }
    }

    @Test
    void theMigrationBackfillsRowsWrittenBeforeIt() throws Exception {
        try (TestDatabase old = TestDatabase.empty()) {
            MigrationRunner all = MigrationRunner.bundled();
            try (Connection c = old.connect()) {
                new MigrationRunner(SqlFiles.list("db/compat"),
                        all.migrations().stream().filter(m -> m.version().compareTo(FIRST) < 0).toList(), null)
                        .migrateEmbedded(c, false);
            }
            Fixtures f = new Fixtures(old.dataSource());
            Persona teacher = f.user("backfill-teacher", "instructor");
            Persona student = f.user("backfill-student", "student");
            UUID course = courseWithWork(f, teacher.userId(), student.userId());
            long auditedBefore;
            try (Connection c = old.connectAsAdmin()) {
                auditedBefore = (Long) Postgrest.scalar(c, "select count(*) from private.audit_log");
            }

            try (Connection c = old.connect()) {
                all.migrateEmbedded(c, false);
            }

            try (Connection c = old.connectAsAdmin()) {
                assertThat(rowsOf(c, course)).isEqualTo(3);
                assertThat(wrongRows(c, course)).isZero();
                for (String table : TABLES) {
                    assertThat(Postgrest.scalar(c, "select is_nullable from information_schema.columns"
                            + " where table_schema = 'public' and table_name = ? and column_name = 'instructor_id'", table))
                            .as(table).isEqualTo("NO");
                }
                // the backfill is not a change of the rows: nothing audited
                assertThat(Postgrest.scalar(c, "select count(*) from private.audit_log")).isEqualTo(auditedBefore);
            }
        }
    }
}
