package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariants 2 to 5 for learning data, with the escalation attempts a student or instructor
 * could make from supabase-js: paid enrollment, self-completion, self-grading, reading others' work,
 * posting into foreign courses, touching ratings, reviewing without enrollment or twice.
 */
class CourseInvariantsTest {
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
    void studentCannotEnrollInAPaidCourse() throws Exception {
        Persona student = given.user("buyer", "student");

        Outcome outcome = Outcome.attempt(api, student,
                "insert into public.enrollments (student_id, course_id) values (?, ?)", student.userId(), Seed.PAID_COURSE);

        assertThat(outcome).isEqualTo(Outcome.DENY);
        assertThat(count("select count(*) from public.enrollments where student_id = ?", student.userId())).isZero();
    }

    @Test
    void studentCannotEnrollInAnUnpublishedFreeCourseOrEnrollSomeoneElse() throws Exception {
        Persona student = given.user("sneaky", "student");
        Persona victim = given.user("victim", "student");
        UUID freeDraft = given.course().draft().create();
        UUID free = given.course().create();

        assertThat(Outcome.attempt(api, student, "insert into public.enrollments (student_id, course_id) values (?, ?)",
                student.userId(), freeDraft)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, student, "insert into public.enrollments (student_id, course_id) values (?, ?)",
                victim.userId(), free)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, student, "insert into public.enrollments (student_id, course_id, status) values (?, ?, 'completed')",
                student.userId(), free)).isEqualTo(Outcome.DENY);
    }

    @Test
    void studentCanSelfEnrollInAFreeCourse() throws Exception {
        Persona student = given.user("learner", "student");
        UUID free = given.course().create();

        api.asAndCommit(student, c -> Outcome.observe(c,
                "insert into public.enrollments (student_id, course_id) values (?, ?)", student.userId(), free));

        try (Connection c = db.connect()) {
            assertThat(Postgrest.rows(c, "select status, completed_at from public.enrollments where student_id = ? and course_id = ?",
                    student.userId(), free)).containsExactly(row("status", "active", "completed_at", null));
        }
    }

    @Test
    void studentCannotMarkAPaidEnrollmentCompleted() throws Exception {
        Persona student = given.user("finisher", "student");
        UUID enrollment = given.enrollment(student.userId(), Seed.PAID_COURSE, "active"); // the service, after payment

        Outcome outcome = Outcome.attempt(api, student,
                "update public.enrollments set status = 'completed', completed_at = now() where id = ?", enrollment);

        assertThat(outcome).isEqualTo(Outcome.DENY);
        assertThat(scalar("select status from public.enrollments where id = ?", enrollment)).isEqualTo("active");
    }

    @Test
    void studentCannotGradeOwnSubmission() throws Exception {
        Persona student = enrolledStudent("self-grader", Seed.FREE_COURSE);
        UUID submission = given.submission(Seed.FREE_HOMEWORK, student.userId());

        for (String attempt : List.of(
                "update public.submissions set score = 100 where id = ?",
                "update public.submissions set feedback = 'Perfect' where id = ?",
                "update public.submissions set content = 'Better', score = 100 where id = ?")) {
            assertThat(Outcome.attempt(api, student, attempt, submission)).as(attempt).isEqualTo(Outcome.DENY);
        }
        assertThat(scalar("select score is null and feedback is null and graded_at is null from public.submissions where id = ?", submission))
                .isEqualTo(true);
    }

    @Test
    void aRefundedStudentCanNoLongerEditTheirSubmission() throws Exception {
        Persona student = enrolledStudent("refunded", Seed.FREE_COURSE);
        UUID submission = given.submission(Seed.FREE_HOMEWORK, student.userId());
        String edit = "update public.submissions set content = 'Edited after the refund' where id = ?";
        assertThat(Outcome.attempt(api, student, edit, submission)).as("while enrolled").isEqualTo(Outcome.ALLOW);

        try (var c = db.connect()) {
            dev.gatehouse.support.Postgrest.update(c, "update public.enrollments set status = 'refunded' where student_id = ? and course_id = ?",
                    student.userId(), Seed.FREE_COURSE);
        }

        assertThat(Outcome.attempt(api, student, edit, submission)).as("after the refund").isEqualTo(Outcome.NONE);
    }

    @Test
    void studentCannotSubmitWithAScoreOrAForgedCourse() throws Exception {
        Persona student = enrolledStudent("pregraded", Seed.FREE_COURSE);

        for (String columns : List.of("score) values (?, ?, 100)", "feedback) values (?, ?, 'Great')",
                "graded_at) values (?, ?, now())", "course_id) values (?, ?, '" + Seed.PAID_COURSE + "')")) {
            String attempt = "insert into public.submissions (homework_id, student_id, " + columns;
            assertThat(Outcome.attempt(api, student, attempt, Seed.FREE_HOMEWORK, student.userId())).as(attempt).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void theCourseInstructorGradesAndTheGradeIsStampedWithThem() throws Exception {
        Persona student = enrolledStudent("graded", Seed.FREE_COURSE);
        UUID submission = given.submission(Seed.FREE_HOMEWORK, student.userId());

        api.asAndCommit(Seed.instructor(), c -> Outcome.observe(c,
                "update public.submissions set score = 88, feedback = 'Solid' where id = ?", submission));

        try (Connection c = db.connect()) {
            Map<String, Object> graded = Postgrest.rows(c,
                    "select graded_by, feedback_source, graded_at is not null as stamped from public.submissions where id = ?", submission).getFirst();
            assertThat(graded).isEqualTo(row("graded_by", Seed.INSTRUCTOR, "feedback_source", "instructor", "stamped", true));
        }
        assertThat(Outcome.attempt(api, student, "update public.submissions set content = 'Changed after grading' where id = ?", submission))
                .as("a graded submission is frozen for its student").isEqualTo(Outcome.NONE);
    }

    @Test
    void studentCannotReadAnotherStudentsSubmission() throws Exception {
        Persona me = enrolledStudent("reader", Seed.FREE_COURSE);
        Persona classmate = enrolledStudent("classmate", Seed.FREE_COURSE);
        UUID mine = given.submission(Seed.FREE_HOMEWORK, me.userId());
        given.submission(Seed.FREE_HOMEWORK, classmate.userId());

        assertThat(ids(me, "select id from public.submissions")).containsExactly(mine);
    }

    @Test
    void instructorSeesOnlyOwnCoursesSubmissionsAndEnrollments() throws Exception {
        Persona otherInstructor = given.user("other-teacher", "instructor");
        UUID otherCourse = given.course().taughtBy(otherInstructor.userId()).create();
        Persona student = given.user("two-courses", "student");
        UUID enrollmentHere = given.enrollment(student.userId(), Seed.FREE_COURSE, "active");
        UUID enrollmentThere = given.enrollment(student.userId(), otherCourse, "active");
        UUID submissionHere = given.submission(Seed.FREE_HOMEWORK, student.userId());
        UUID submissionThere = given.submission(given.homework(otherCourse), student.userId());

        Set<Object> mineEnrollments = ids(Seed.instructor(), "select id from public.enrollments where student_id = ?", student.userId());
        Set<Object> mineSubmissions = ids(Seed.instructor(), "select id from public.submissions where student_id = ?", student.userId());
        Set<Object> theirEnrollments = ids(otherInstructor, "select id from public.enrollments");
        Set<Object> theirSubmissions = ids(otherInstructor, "select id from public.submissions");

        assertThat(mineEnrollments).containsExactly(enrollmentHere);
        assertThat(mineSubmissions).containsExactly(submissionHere);
        assertThat(theirEnrollments).containsExactly(enrollmentThere);
        assertThat(theirSubmissions).containsExactly(submissionThere);
    }

    @Test
    void nonParticipantCannotReadOrPostCourseMessages() throws Exception {
        Persona refunded = given.user("refunded", "student");
        given.enrollment(refunded.userId(), Seed.FREE_COURSE, "refunded");
        String post = "insert into public.messages (course_id, author_id, body) values (?, ?, 'let me in')";

        for (Persona outsider : List.of(Seed.student2(), refunded, given.user("teacher-elsewhere", "instructor"))) {
            assertThat(ids(outsider, "select id from public.messages where course_id = ?", Seed.FREE_COURSE)).as(outsider.label()).isEmpty();
            assertThat(Outcome.attempt(api, outsider, post, Seed.FREE_COURSE, outsider.userId())).as(outsider.label()).isEqualTo(Outcome.DENY);
        }
        assertThat(ids(Seed.student(), "select id from public.messages where course_id = ?", Seed.FREE_COURSE))
                .containsExactlyInAnyOrder(Seed.INSTRUCTOR_MESSAGE, Seed.STUDENT_MESSAGE);
    }

    @Test
    void participantsCannotPostOrEditAsSomeoneElse() throws Exception {
        assertThat(Outcome.attempt(api, Seed.student(), "insert into public.messages (course_id, author_id, body) values (?, ?, 'I am the teacher')",
                Seed.FREE_COURSE, Seed.INSTRUCTOR)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), "update public.messages set body = 'edited by student' where id = ?",
                Seed.INSTRUCTOR_MESSAGE)).isEqualTo(Outcome.NONE);
    }

    @Test
    void unpublishedCourseVisibleOnlyToItsInstructorAndAdmins() throws Exception {
        UUID draft = given.course().draft().create();
        UUID preview = given.lesson(draft, true);

        assertThat(ids(Persona.anon(), "select id from public.courses where id = ?", draft)).isEmpty();
        assertThat(Outcome.attempt(api, Persona.anon(), "select id from public.lessons where id = ?", preview)).isEqualTo(Outcome.DENY);
        for (Persona outsider : List.of(Seed.student(), Seed.student2(), given.user("peer", "instructor"))) {
            assertThat(ids(outsider, "select id from public.courses where id = ?", draft)).as(outsider.label()).isEmpty();
            assertThat(ids(outsider, "select id from public.lessons where id = ?", preview)).as(outsider.label()).isEmpty();
        }
        for (Persona insider : List.of(Seed.instructor(), Seed.admin())) {
            assertThat(ids(insider, "select id from public.courses where id = ?", draft)).as(insider.label()).containsExactly(draft);
            assertThat(ids(insider, "select id from public.lessons where id = ?", preview)).as(insider.label()).containsExactly(preview);
        }
    }

    @Test
    void anonReadsOnlyPublishedCoursesReviewsAndPlans() throws Exception {
        Persona reviewer = given.user("early-reviewer", "student");
        UUID draft = given.course().draft().create();
        given.enrollment(reviewer.userId(), draft, "active");
        UUID hiddenReview = given.review(draft, reviewer.userId(), 2);
        Map<String, String> readable = Map.of(
                "courses", "select id from public.courses where is_published",
                "reviews", "select r.id from public.reviews r join public.courses c on c.id = r.course_id where c.is_published",
                "plans", "select id from public.plans");

        for (String table : PolicyMatrixTest.publicTables(db)) {
            if (readable.containsKey(table)) {
                Set<Object> expected;
                try (Connection c = db.connect()) {
                    expected = Postgrest.rows(c, readable.get(table)).stream().map(r -> r.get("id")).collect(Collectors.toSet());
                }
                assertThat(ids(Persona.anon(), "select id from public." + table)).as(table).isEqualTo(expected).isNotEmpty();
            } else {
                assertThat(Outcome.attempt(api, Persona.anon(), "select * from public." + table + " limit 1")).as(table).isEqualTo(Outcome.DENY);
            }
        }
        assertThat(ids(Persona.anon(), "select id from public.reviews")).doesNotContain(hiddenReview).contains(Seed.STUDENT_REVIEW);
    }

    @Test
    void nobodyButTheReviewTriggerChangesACoursesRating() throws Exception {
        for (Persona who : List.of(Seed.instructor(), Seed.student(), Seed.admin())) {
            assertThat(Outcome.attempt(api, who, "update public.courses set rating_avg = 5, rating_count = 1000 where id = ?", Seed.FREE_COURSE))
                    .as(who.label()).isEqualTo(Outcome.DENY);
        }
    }

    @Test
    void instructorCannotReassignOrBackdateTheirCourse() throws Exception {
        Persona heir = given.user("heir", "instructor");

        assertThat(Outcome.attempt(api, Seed.instructor(), "update public.courses set instructor_id = ? where id = ?", heir.userId(), Seed.FREE_COURSE))
                .isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.instructor(), "update public.courses set published_at = '2000-01-01' where id = ?", Seed.FREE_COURSE))
                .isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, Seed.student(), "insert into public.courses (instructor_id, slug, title) values (?, 'fake-course', 'Fake')",
                Seed.INSTRUCTOR)).as("a student creating a course in an instructor's name").isEqualTo(Outcome.DENY);
    }

    @Test
    void reviewsNeedAnEnrollmentAndComeOncePerCourse() throws Exception {
        String review = "insert into public.reviews (course_id, student_id, rating) values (?, ?, 1)";

        assertThat(Outcome.attempt(api, Seed.student2(), review, Seed.FREE_COURSE, Seed.STUDENT2)).isEqualTo(Outcome.DENY);
        assertThatThrownBy(() -> Outcome.attempt(api, Seed.student(), review, Seed.FREE_COURSE, Seed.STUDENT))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
        assertThat(count("select count(*) from public.reviews where course_id = ? and student_id = ?", Seed.FREE_COURSE, Seed.STUDENT))
                .isEqualTo(1);
    }

    @Test
    void instructorCannotReviewTheirOwnCourseEvenAfterEnrollingInIt() throws Exception {
        Persona teacher = given.user("self-reviewer", "instructor");
        UUID course = given.course().taughtBy(teacher.userId()).create();
        api.asAndCommit(teacher, c -> Outcome.observe(c, "insert into public.enrollments (student_id, course_id) values (?, ?)",
                teacher.userId(), course)); // free courses are open to every signed-in user, their instructor included

        Outcome review = Outcome.attempt(api, teacher, "insert into public.reviews (course_id, student_id, rating) values (?, ?, 5)",
                course, teacher.userId());

        assertThat(review).isEqualTo(Outcome.DENY);
        assertThat(scalar("select rating_count from public.courses where id = ?", course)).isEqualTo(0);
    }

    @Test
    void aReviewKeepsTheCourseRatingExact() throws Exception {
        UUID course = given.course().create();
        Persona first = enrolledStudent("rater-one", course);
        Persona second = enrolledStudent("rater-two", course);

        api.asAndCommit(first, c -> Outcome.observe(c, "insert into public.reviews (course_id, student_id, rating) values (?, ?, 5)", course, first.userId()));
        api.asAndCommit(second, c -> Outcome.observe(c, "insert into public.reviews (course_id, student_id, rating) values (?, ?, 2)", course, second.userId()));

        assertThat(scalar("select rating_avg::text || '/' || rating_count from public.courses where id = ?", course)).isEqualTo("3.50/2");
    }

    private static Persona enrolledStudent(String label, UUID course) throws SQLException {
        Persona p = given.user(label, "student");
        given.enrollment(p.userId(), course, "active");
        return p;
    }

    private static Set<Object> ids(Persona who, String sql, Object... params) throws SQLException {
        List<Map<String, Object>> rows = api.as(who, c -> Postgrest.rows(c, sql, params));
        return rows.stream().map(r -> r.get("id")).collect(Collectors.toSet());
    }

    private static Object scalar(String sql, Object... params) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, sql, params);
        }
    }

    private static long count(String sql, Object... params) throws SQLException {
        return (Long) scalar(sql, params);
    }

    private static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
