package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A submission's attachment names an object in the student's own homework folder, as resources name their course's. */
class SubmissionAttachmentTest {
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

    private static String violation(Persona who, String sql, Object... params) throws Exception {
        try {
            api.as(who, c -> Postgrest.update(c, sql, params));
            return "none";
        } catch (java.sql.SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void anAttachmentOutsideTheStudentsOwnHomeworkFolderIsRejected() throws Exception {
        UUID course = given.course().create();
        Persona student = given.user("attacher", "student");
        Persona classmate = given.user("classmate", "student");
        given.enrollment(student.userId(), course, "active");
        UUID homework = given.homework(course);
        String insert = "insert into public.submissions (homework_id, student_id, content, attachment_path) values (?, ?, 'x', ?)";

        assertThat(violation(student, insert, homework, student.userId(), course + "/" + classmate.userId() + "/answer.pdf")).isEqualTo("23514");
        assertThat(violation(student, insert, homework, student.userId(), UUID.randomUUID() + "/" + student.userId() + "/answer.pdf")).isEqualTo("23514");
        assertThat(violation(student, insert, homework, student.userId(), course + "/" + student.userId() + "/../x/answer.pdf")).isEqualTo("23514");
        assertThat(violation(student, insert, homework, student.userId(), course + "/" + student.userId() + "/answer.pdf")).isEqualTo("none");
    }
}
