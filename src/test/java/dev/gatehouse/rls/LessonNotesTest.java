package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lesson-notes rules the policy matrix cannot express: refunds, lessons of other courses, and the import key. */
class LessonNotesTest {
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
    void aRefundedStudentKeepsReadingAndEditingTheirNotesButTakesNoNewOnes() throws Exception {
        Persona refunded = given.user("refunded", "student");
        UUID enrollment = given.enrollment(refunded.userId(), Seed.PAID_COURSE, "active");
        UUID note = given.lessonNote(refunded.userId(), Seed.PAID_COURSE, null);
        given.exec("update public.enrollments set status = 'refunded' where id = ?", enrollment);

        assertThat(Outcome.attempt(api, refunded, "select id from public.lesson_notes where id = ?", note)).isEqualTo(Outcome.ALLOW);
        assertThat(Outcome.attempt(api, refunded, "update public.lesson_notes set body = 'Still mine' where id = ? returning id", note)).isEqualTo(Outcome.ALLOW);
        assertThat(Outcome.attempt(api, refunded, "insert into public.lesson_notes (user_id, course_id, body) values (?, ?, 'New') returning id",
                refunded.userId(), Seed.PAID_COURSE)).isEqualTo(Outcome.DENY);
    }

    @Test
    void aNoteCannotNameALessonOfAnotherCourse() throws Exception {
        String state = api.as(Seed.student(), c -> {
            try {
                Postgrest.update(c, "insert into public.lesson_notes (user_id, course_id, lesson_id, body) values (?, ?, ?, 'Misfiled')",
                        Seed.STUDENT, Seed.FREE_COURSE, Seed.DRAFT_PREVIEW_LESSON);
                return "ok";
            } catch (java.sql.SQLException e) {
                return e.getSQLState();
            }
        });

        assertThat(state).isEqualTo("23503");
    }

    @Test
    void onlyTheBodyOfANoteCanBeChanged() throws Exception {
        UUID note = given.lessonNote(Seed.STUDENT, Seed.FREE_COURSE, Seed.FREE_LESSON);

        assertThat(Outcome.attempt(api, Seed.student(), "update public.lesson_notes set course_id = ? where id = ? returning id", Seed.PAID_COURSE, note))
                .isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), "update public.lesson_notes set local_id = 'other' where id = ? returning id", note))
                .isEqualTo(Outcome.DENY);
    }
}
