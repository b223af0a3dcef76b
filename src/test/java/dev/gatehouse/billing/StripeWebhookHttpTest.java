package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /webhooks/stripe over HTTP: every bad delivery is refused with the right status and changes nothing. */
class StripeWebhookHttpTest {
    private static BillingStack stack;
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        stack = BillingStack.start(Map.of());
        db = stack.db();
        service = stack.service();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static String purchase(UUID user, UUID course, long amount) {
        return StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", Lifecycles.T0,
                StripeObjects.paymentSession(StripeObjects.id("cs_test"), StripeObjects.id("pi"), StripeObjects.id("cus"), user, course, amount, "usd",
                        "paid", Lifecycles.T0), null);
    }

    private static UUID buyer() throws Exception {
        return Users.signUp(db.dataSource(), "buyer").id();
    }

    private void refusedAndUnchanged(byte[] body, String signature, int status, String code) throws Exception {
        Map<String, String> before = StripeWire.photo(db.dataSource());
        HttpResponse<String> r = StripeWire.post(service.baseUrl(), body, signature);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"error\"").contains("\"message\"");
        if (code != null) {
            assertThat(r.body()).contains("\"code\":\"" + code + "\"");
        }
        assertThat(StripeWire.photo(db.dataSource())).isEqualTo(before);
    }

    @Test
    void noSignatureIs400AndStoresNothing() throws Exception {
        refusedAndUnchanged(purchase(buyer(), Lifecycles.PAID_COURSE, 4900).getBytes(StandardCharsets.UTF_8), null, 400, "missing_signature");
    }

    @Test
    void wrongSecretIs400AndStoresNothing() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 4900);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, "whsec_some_other_endpoints_secret_000"), 400, "invalid_signature");
    }

    @Test
    void staleTimestampIs400AndStoresNothing() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 4900);
        long sixMinutesAgo = System.currentTimeMillis() / 1000 - 301;
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET, sixMinutesAgo), 400,
                "invalid_signature");
    }

    @Test
    void bodyChangedByOneByteIs400AndStoresNothing() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 4900);
        String signature = StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET);
        byte[] body = e.getBytes(StandardCharsets.UTF_8);
        int at = e.indexOf("\"amount_total\":4900") + "\"amount_total\":".length();
        body[at] = '1'; // 4900 -> 1900
        refusedAndUnchanged(body, signature, 400, "invalid_signature");
    }

    @Test
    void malformedJsonCorrectlySignedIs400AndStoresNothing() throws Exception {
        String broken = "{\"id\": \"evt_1\", \"object\": \"event\", \"type\": ";
        refusedAndUnchanged(broken.getBytes(StandardCharsets.UTF_8), StripeWire.sign(broken, RunningService.STRIPE_WEBHOOK_SECRET), 400, null);
    }

    @Test
    void unknownUserInMetadataIs422AndStoresNothing() throws Exception {
        String e = purchase(UUID.randomUUID(), Lifecycles.PAID_COURSE, 4900);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET), 422, "unknown_user");
    }

    @Test
    void unknownCourseInMetadataIs422AndStoresNothing() throws Exception {
        String e = purchase(buyer(), UUID.randomUUID(), 4900);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET), 422, "unknown_course");
    }

    @Test
    void amountNotMatchingTheCoursePriceIs422AndStoresNothing() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 100);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET), 422, "amount_mismatch");
    }

    @Test
    void aSignatureFromEitherSecretDuringRotationIsAccepted() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 4900);
        long now = System.currentTimeMillis() / 1000;
        String old = StripeWire.sign(e, "whsec_the_old_secret_being_rolled_0000", now);
        String current = StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET, now);
        String both = old + "," + current.substring(current.indexOf("v1="));
        HttpResponse<String> r = StripeWire.post(service.baseUrl(), e.getBytes(StandardCharsets.UTF_8), both);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void duplicateDeliveryAnswers200AndChangesNothing() throws Exception {
        String e = purchase(buyer(), Lifecycles.PAID_COURSE, 4900);
        assertThat(StripeWire.deliver(service, e).body()).contains("\"duplicate\":false");
        Map<String, String> before = StripeWire.photo(db.dataSource());
        HttpResponse<String> again = StripeWire.deliver(service, e);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"duplicate\":true");
        assertThat(StripeWire.photo(db.dataSource())).isEqualTo(before);
    }

    @Test
    void unknownEventTypeIsRecordedAndAcknowledged() throws Exception {
        String id = StripeObjects.id("evt");
        ObjectNode product = StripeEvent.JSON.createObjectNode().put("id", "prod_X").put("object", "product").put("name", "Thing");
        HttpResponse<String> r = StripeWire.deliver(service, StripeObjects.event(id, "product.created", Lifecycles.T0, product, null));
        assertThat(r.statusCode()).isEqualTo(200);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select type from private.webhook_events where id = ? and processed_at is not null", id)).isEqualTo("product.created");
        }
    }

    @Test
    void aFailureWhileApplyingAnswers5xxWithNothingHalfAppliedAndTheRetryCompletes() throws Exception {
        UUID user = buyer();
        String e = purchase(user, Lifecycles.PAID_COURSE, 4900);
        try (Connection c = db.connect()) {
            // the payment row is written first; the enrollment insert then fails, as a lost connection would
            Postgrest.update(c, """
                    create function public.fail_enrollment() returns trigger language plpgsql as $$
                    begin raise exception 'simulated failure'; end $$""");
            Postgrest.update(c, "create trigger fail_enrollment before insert on public.enrollments for each row execute function public.fail_enrollment()");
        }
        Map<String, String> before = StripeWire.photo(db.dataSource());
        HttpResponse<String> failed = StripeWire.deliver(service, e);
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(StripeWire.photo(db.dataSource())).isEqualTo(before);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "drop trigger fail_enrollment on public.enrollments");
        }
        HttpResponse<String> retried = StripeWire.deliver(service, e);
        assertThat(retried.statusCode()).isEqualTo(200);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select status from public.enrollments where student_id = ?", user)).isEqualTo("active");
            assertThat(Postgrest.scalar(c, "select status from public.payments where user_id = ?", user)).isEqualTo("succeeded");
        }
    }
}
