package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The course rating trigger under concurrency, and the "still enrolled" rule for reviews: a review
 * counts and can be edited only while its author is enrolled (active or completed).
 */
class ReviewRatingTest {
    private static TestDatabase db;
    private static Postgrest api;
    private static Fixtures given;
    private static ExecutorService threads;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        given = new Fixtures(db.dataSource());
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterAll
    static void tearDown() {
        threads.close();
        db.close();
    }

    private static Persona enrolledStudent(UUID course, String label) throws SQLException {
        Persona s = given.user(label, "student");
        given.enrollment(s.userId(), course, "active");
        return s;
    }

    private static Map<String, Object> rating(UUID course) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select rating_avg, rating_count from public.courses where id = ?", course).getFirst();
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        return Postgrest.backendPid(c);
    }

    private static boolean waitingOnALock(int pid) throws SQLException {
        return Postgrest.waitingOnALock(db.dataSource(), pid);
    }

    /**
     * The interleaving that deadlocked: both transactions hold KEY SHARE on the course (taken by any
     * foreign-key check on it: B's chat message, A's own review) before either locks the course to
     * recount. Forced in order with lock waits observed in pg_stat_activity, not by timing.
     */
    @Test
    void twoReviewsOfOneCourseWhileAnotherTransactionReferencesItBothCommitWithoutDeadlock() throws Exception {
        UUID course = given.course().create();
        Persona a = enrolledStudent(course, "reviewer-a");
        Persona b = enrolledStudent(course, "reviewer-b");
        try (Connection ca = db.connect(); Connection cb = db.connect()) {
            ca.setAutoCommit(false);
            cb.setAutoCommit(false);
            int pidA = backendPid(ca);
            int pidB = backendPid(cb);
            // given B holds KEY SHARE on the course, as the FK check of its chat message takes it
            Postgrest.update(cb, "insert into public.messages (course_id, author_id, body) values (?, ?, 'hi')", course, b.userId());

            // when A reviews (its rating refresh must lock the course) ...
            Future<Integer> reviewA = threads.submit(() -> Postgrest.update(ca,
                    "insert into public.reviews (course_id, student_id, rating) values (?, ?, 5)", course, a.userId()));
            await().atMost(Duration.ofSeconds(10)).until(() -> reviewA.isDone() || waitingOnALock(pidA));
            // ... and then B reviews too
            Future<Integer> reviewB = threads.submit(() -> Postgrest.update(cb,
                    "insert into public.reviews (course_id, student_id, rating) values (?, ?, 3)", course, b.userId()));
            await().atMost(Duration.ofSeconds(10)).until(() -> reviewA.isDone() || reviewB.isDone() || waitingOnALock(pidB));
            await().atMost(Duration.ofSeconds(10)).until(() -> reviewA.isDone() || reviewB.isDone());

            // then neither is a deadlock victim: A commits, and B, which waited for A, commits after it
            if (reviewB.isDone()) {
                assertThat(reviewB.get()).isEqualTo(1);
            }
            assertThat(reviewA.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            ca.commit();
            assertThat(reviewB.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            cb.commit();
        }
        assertThat(rating(course)).containsEntry("rating_count", 2).containsEntry("rating_avg", new BigDecimal("4.00"));
    }

    @Test
    void aRefundedStudentCanNoLongerEditTheirReview() throws Exception {
        UUID course = given.course().create();
        Persona s = enrolledStudent(course, "refunded-editor");
        UUID review = given.review(course, s.userId(), 5);
        given.exec("update public.enrollments set status = 'refunded' where student_id = ? and course_id = ?", s.userId(), course);

        Outcome edit = Outcome.attempt(api, s, "update public.reviews set rating = 1 where id = ?", review);

        assertThat(edit).isEqualTo(Outcome.NONE);
    }

    @Test
    void aRefundedStudentsReviewStopsCountingAndCountsAgainIfReenrolled() throws Exception {
        UUID course = given.course().create();
        Persona refunded = enrolledStudent(course, "refunded-rater");
        Persona stays = enrolledStudent(course, "staying-rater");
        given.review(course, refunded.userId(), 5);
        given.review(course, stays.userId(), 3);
        assertThat(rating(course)).containsEntry("rating_count", 2).containsEntry("rating_avg", new BigDecimal("4.00"));

        given.exec("update public.enrollments set status = 'refunded' where student_id = ? and course_id = ?", refunded.userId(), course);
        assertThat(rating(course)).containsEntry("rating_count", 1).containsEntry("rating_avg", new BigDecimal("3.00"));

        given.exec("update public.enrollments set status = 'active' where student_id = ? and course_id = ?", refunded.userId(), course);
        assertThat(rating(course)).containsEntry("rating_count", 2).containsEntry("rating_avg", new BigDecimal("4.00"));
    }
}
