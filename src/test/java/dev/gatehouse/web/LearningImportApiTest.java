package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/import/learning} end to end against the seed catalog: the happy path, twice, another
 * user's id, a paid course, a malformed document, and problems found after rows were written.
 * Seed: free course {@code prompt-engineering-basics} (lessons 1-3), paid {@code building-ai-agents}.
 */
class LearningImportApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FREE = "prompt-engineering-basics";
    private static final String FREE_ID = "c0000000-0000-4000-8000-000000000001";
    private static final String PAID = "building-ai-agents";
    private static final String PAID_ID = "c0000000-0000-4000-8000-000000000002";
    private static final String FREE_LESSON_3 = "d0000000-0000-4000-8000-000000000103";
    private static final String EXPORT = """
            {"app": "learning", "version": 1, "exported_at": "2026-12-01T10:00:00Z",
             "enrollments": [{"course": "prompt-engineering-basics"}],
             "progress": [{"course": "prompt-engineering-basics", "completed_lessons": [1, 2]}],
             "messages": [{"id": "m1", "course": "prompt-engineering-basics", "body": "Is lesson 2's few-shot example on the syllabus?"}],
             "notes": [{"id": "n1", "course": "prompt-engineering-basics", "lesson": 2, "body": "Few-shot: 3 examples beat 10 vague ones."},
                       {"id": 17, "course": "c0000000-0000-4000-8000-000000000001", "body": "Course-wide: keep a test set."}]}""";

    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(8);
        service = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    @Test
    void anExportBecomesTheCallersEnrollmentProgressChatMessagesAndNotes() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");

        HttpResponse<String> r = service.post("/v1/import/learning", service.tokenFor(u), EXPORT);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("created").asInt()).isEqualTo(6);
        assertThat(body.at("/tables/enrollments/created").asInt()).isEqualTo(1);
        assertThat(body.at("/tables/lesson_progress/created").asInt()).isEqualTo(2);
        assertThat(body.at("/tables/messages/created").asInt()).isEqualTo(1);
        assertThat(body.at("/tables/lesson_notes/created").asInt()).isEqualTo(2);
        assertThat(body.path("skipped_items")).isEmpty();
        assertThat(count("select count(*) from public.enrollments where student_id = ? and course_id = '" + FREE_ID + "' and status = 'active'", u)).isEqualTo(1);
        assertThat(count("select count(*) from public.lesson_progress p join public.lessons l on l.id = p.lesson_id"
                + " where p.student_id = ? and l.position in (1, 2) and l.course_id = '" + FREE_ID + "'", u)).isEqualTo(2);
        assertThat(count("select count(*) from public.messages where author_id = ? and local_id = 'm1' and course_id = '" + FREE_ID + "'", u)).isEqualTo(1);
        assertThat(count("select count(*) from public.lesson_notes n join public.lessons l on l.id = n.lesson_id"
                + " where n.user_id = ? and n.local_id = 'n1' and l.position = 2", u)).isEqualTo(1);
        assertThat(count("select count(*) from public.lesson_notes where user_id = ? and local_id = '17' and lesson_id is null", u)).isEqualTo(1);
    }

    @Test
    void importingTheSameExportTwiceChangesNothingAndAnEditedNoteIsSkippedNotOverwritten() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        String token = service.tokenFor(u);
        assertThat(service.post("/v1/import/learning", token, EXPORT).statusCode()).isEqualTo(200);
        String rows = "select (select count(*) from public.enrollments where student_id = ?) || '/' || (select count(*) from public.lesson_progress where student_id = ?)"
                + " || '/' || (select count(*) from public.messages where author_id = ?) || '/' || (select string_agg(body, '|' order by local_id) from public.lesson_notes where user_id = ?)";
        Object before = scalar(rows, u, u, u, u);

        JsonNode again = JSON.readTree(service.post("/v1/import/learning", token, EXPORT).body());
        JsonNode edited = JSON.readTree(service.post("/v1/import/learning", token, EXPORT.replace("3 examples beat 10", "2 examples beat 10")).body());

        assertThat(again.path("created").asInt()).isZero();
        assertThat(again.path("unchanged").asInt()).isEqualTo(6);
        assertThat(edited.path("unchanged").asInt()).isEqualTo(5);
        assertThat(edited.path("skipped_items")).singleElement()
                .satisfies(s -> assertThat(s.path("path").asText() + " " + s.path("reason").asText()).isEqualTo("$.notes[0] changed"));
        assertThat(scalar(rows, u, u, u, u)).isEqualTo(before);
    }

    @Test
    void anotherUsersIdAnywhereInTheExportIsRefusedAndNothingIsWritten() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        AuthUser other = Users.signUp(db.dataSource(), "learner");
        String foreign = EXPORT.replace("{\"app\": \"learning\",", "{\"app\": \"learning\", \"user_id\": \"" + other.id() + "\",")
                .replace("{\"id\": \"m1\",", "{\"id\": \"m1\", \"author_id\": \"" + other.id() + "\",")
                .replace("{\"id\": 17,", "{\"id\": 17, \"user_id\": \"" + u.id() + "\","); // the caller's own id is fine

        HttpResponse<String> r = service.post("/v1/import/learning", service.tokenFor(u), foreign);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("$.user_id");
        assertThat(error.path("message").asText()).contains("2 problem(s)", "$.messages[0].author_id").doesNotContain("$.notes[1]");
        assertThat(count("select (select count(*) from public.enrollments where student_id = ?) + (select count(*) from public.lesson_notes where user_id = ?)"
                + " + (select count(*) from public.messages where author_id in (?, ?))", u, u, u, other)).isZero();
    }

    @Test
    void aMessageIdAnotherUserAlsoUsedBecomesTheCallersOwnMessageAndLeavesTheirsAlone() throws Exception {
        AuthUser first = Users.signUp(db.dataSource(), "learner");
        AuthUser second = Users.signUp(db.dataSource(), "learner");
        assertThat(service.post("/v1/import/learning", service.tokenFor(first), EXPORT).statusCode()).isEqualTo(200);

        JsonNode r = JSON.readTree(service.post("/v1/import/learning", service.tokenFor(second), EXPORT.replace("Is lesson 2's", "Is lesson 3's")).body());

        assertThat(r.at("/tables/messages/created").asInt()).isEqualTo(1);
        assertThat(scalar("select body from public.messages where author_id = ? and local_id = 'm1'", first)).isEqualTo("Is lesson 2's few-shot example on the syllabus?");
        assertThat(scalar("select body from public.messages where author_id = ? and local_id = 'm1'", second)).isEqualTo("Is lesson 3's few-shot example on the syllabus?");
    }

    @Test
    void aPaidCourseIsNeverEnrolledInByImportAndItsProgressMessagesAndNotesAreSkippedWithTheReason() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        String paid = """
                {"enrollments": [{"course": "%s"}, {"course": "%s"}],
                 "progress": [{"course": "%s", "completed_lessons": [1, "d0000000-0000-4000-8000-000000000202"]}, {"course": "%s", "completed_lessons": [1]}],
                 "messages": [{"id": "m-paid", "course": "%s", "body": "Let me in"}],
                 "notes": [{"id": "n-paid", "course": "%s", "lesson": 1, "body": "Agents loop"}]}""".formatted(PAID, FREE, PAID_ID, FREE, PAID, PAID);

        HttpResponse<String> r = service.post("/v1/import/learning", service.tokenFor(u), paid);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/tables/enrollments/created").asInt()).as("the free course").isEqualTo(1);
        assertThat(body.at("/tables/lesson_progress/created").asInt()).as("the free course").isEqualTo(1);
        assertThat(body.path("skipped").asInt()).isEqualTo(5);
        assertThat(body.path("skipped_items").findValuesAsText("reason"))
                .containsExactly("paid_course", "not_enrolled", "not_enrolled", "not_a_participant", "not_enrolled");
        assertThat(body.path("skipped_items").get(0).path("path").asText()).isEqualTo("$.enrollments[0]");
        assertThat(body.path("skipped_items").get(0).path("message").asText()).contains("checkout");
        assertThat(count("select count(*) from public.enrollments where student_id = ? and course_id = '" + PAID_ID + "'", u)).isZero();
        assertThat(count("select (select count(*) from public.lesson_progress where student_id = ? and course_id = '" + PAID_ID + "')"
                + " + (select count(*) from public.messages where author_id = ?) + (select count(*) from public.lesson_notes where user_id = ?)", u, u, u)).isZero();
    }

    @Test
    void aPaidCourseTheCallerBoughtTakesItsImportedProgress() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        try (Connection c = db.connect()) { // as the Stripe webhook enrolls a buyer
            Postgrest.update(c, "insert into public.enrollments (student_id, course_id) values (?, '" + PAID_ID + "')", u.id());
        }

        JsonNode r = JSON.readTree(service.post("/v1/import/learning", service.tokenFor(u), """
                {"enrollments": [{"course": "building-ai-agents"}], "progress": [{"course": "building-ai-agents", "completed_lessons": [1]}]}""").body());

        assertThat(r.at("/tables/enrollments/unchanged").asInt()).isEqualTo(1);
        assertThat(r.at("/tables/lesson_progress/created").asInt()).isEqualTo(1);
    }

    @Test
    void aStudentOfACourseUnpublishedSinceStillImportsItsProgressByTheCoursesId() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        String draft = "c0000000-0000-4000-8000-000000000003"; // unpublished: its row is hidden from its students
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into public.enrollments (student_id, course_id) values (?, '" + draft + "')", u.id());
        }

        JsonNode r = JSON.readTree(service.post("/v1/import/learning", service.tokenFor(u), """
                {"enrollments": [{"course": "%s"}], "progress": [{"course": "%s", "completed_lessons": [1]}]}""".formatted(draft, draft)).body());

        assertThat(r.at("/tables/enrollments/unchanged").asInt()).as(r.toString()).isEqualTo(1);
        assertThat(r.at("/tables/lesson_progress/created").asInt()).isEqualTo(1);
    }

    @Test
    void aMalformedExportIsRefusedWithEveryProblemByPathAndNothingIsWritten() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        String bad = """
                {"version": 2, "app": "sales", "bookmarks": [],
                 "enrollments": [{"course": "Not A Slug!"}, {"course": "prompt-engineering-basics", "status": "completed"}, "x"],
                 "progress": {"course": "prompt-engineering-basics"},
                 "messages": [{"course": "prompt-engineering-basics", "body": "   "}, {"id": "m1", "course": 7, "body": "hi"}],
                 "notes": [{"id": "n1", "course": "prompt-engineering-basics", "lesson": 0, "body": "ok"},
                           {"id": "n1", "course": "prompt-engineering-basics", "lesson": "two", "body": "nul \\u0000 inside"}]}""";

        HttpResponse<String> r = service.post("/v1/import/learning", service.tokenFor(u), bad);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("$.version", "$.app", "$.bookmarks", "$.enrollments[0].course",
                "$.enrollments[1].status", "$.enrollments[2]", "$.progress", "$.messages[0].id", "$.messages[0].body", "$.messages[1].course",
                "$.notes[0].lesson", "$.notes[1].id", "$.notes[1].lesson", "$.notes[1].body");
        assertThat(count("select (select count(*) from public.enrollments where student_id = ?) + (select count(*) from public.lesson_notes where user_id = ?)", u, u))
                .isZero();
    }

    @Test
    void problemsFoundAfterRowsWereWrittenRollBackTheWholeImportAndAreAllReported() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "learner");
        // valid to the validator; only the database knows lesson 9 and the course "no-such-course" do not exist,
        // and finds out after the enrollment, the progress and the first message were written
        String partial = EXPORT.replace("\"notes\": [", "\"notes\": [{\"id\": \"n9\", \"course\": \"prompt-engineering-basics\", \"lesson\": 9, \"body\": \"Lost\"},")
                .replace("\"messages\": [", "\"messages\": [{\"id\": \"m0\", \"course\": \"no-such-course\", \"body\": \"Hello?\"},");

        HttpResponse<String> r = service.post("/v1/import/learning", service.tokenFor(u), partial);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("2 problem(s)", "$.messages[0].course", "$.notes[0].lesson");
        assertThat(count("select (select count(*) from public.enrollments where student_id = ?) + (select count(*) from public.lesson_progress where student_id = ?)"
                + " + (select count(*) from public.messages where author_id = ?) + (select count(*) from public.lesson_notes where user_id = ?)", u, u, u, u)).isZero();
        assertThat(count("select count(*) from private.email_outbox where user_id = ? and template = 'enrollment_created'", u))
                .as("the enrollment email was queued in the same transaction, and rolled back with it").isZero();
    }

    private static long count(String sql, AuthUser... users) throws Exception {
        return ((Number) scalar(sql, users)).longValue();
    }

    private static Object scalar(String sql, AuthUser... users) throws Exception {
        Object[] ids = java.util.Arrays.stream(users).map(AuthUser::id).toArray();
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, sql, ids);
        }
    }
}
