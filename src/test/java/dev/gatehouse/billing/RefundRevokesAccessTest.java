package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end: purchase and refund arrive as webhooks; what the student reads is then decided by RLS alone. */
class RefundRevokesAccessTest {
    private static final String MATERIAL = Lifecycles.PAID_COURSE + "/week-1-slides.pdf";
    private static BillingStack stack;
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        stack = BillingStack.start(Map.of());
        db = stack.db();
        service = stack.service();
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into storage.objects (bucket_id, name, owner_id) values ('course-materials', ?, 'a0000000-0000-4000-8000-000000000003')",
                    MATERIAL);
        }
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static long[] whatTheStudentSees(AuthUser u) throws Exception {
        Persona student = Persona.user("buyer", u.id(), u.email());
        return new Postgrest(db.dataSource()).as(student, c -> new long[] {
                (long) Postgrest.scalar(c, "select count(*) from public.lessons where course_id = ? and not is_preview", Lifecycles.PAID_COURSE),
                (long) Postgrest.scalar(c, "select count(*) from storage.objects where bucket_id = 'course-materials' and name = ?", MATERIAL),
                (long) Postgrest.scalar(c, "select count(*) from public.resources where course_id = ?", Lifecycles.PAID_COURSE)});
    }

    @Test
    void afterAFullRefundRlsHidesTheCoursesLessonsAndMaterialsFromTheStudent() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "refunded");
        assertThat(whatTheStudentSees(u)).as("before buying").containsExactly(0, 0, 0);
        var events = Lifecycles.refundedPurchase(u.id());

        assertThat(StripeWire.deliver(service, events.get(0)).statusCode()).isEqualTo(200);
        assertThat(whatTheStudentSees(u)).as("after paying: 2 lessons, the slides, 1 resource").containsExactly(2, 1, 1);

        assertThat(StripeWire.deliver(service, events.get(1)).statusCode()).isEqualTo(200);
        assertThat(whatTheStudentSees(u)).as("after a partial refund: still enrolled").containsExactly(2, 1, 1);

        assertThat(StripeWire.deliver(service, events.get(2)).statusCode()).isEqualTo(200);
        assertThat(whatTheStudentSees(u)).as("after the full refund").containsExactly(0, 0, 0);
    }
}
