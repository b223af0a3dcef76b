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
    void aSubscriptionOnAPriceNoPlanHasIs422AndStoresNothing() throws Exception {
        String e = new Lifecycles.Sub(buyer()).event("customer.subscription.created", Lifecycles.T0, "pro", "price_1QnoPlanHasThisPrice0", "active",
                Lifecycles.T0, false, StripeObjects.id("in"), null);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET), 422, "unknown_price");
    }

    @Test
    void aSubscriptionNamingNoUserIs422AndStoresNothing() throws Exception {
        String e = new Lifecycles.Sub(UUID.randomUUID()).event("customer.subscription.created", Lifecycles.T0, "pro", Lifecycles.PRO_PRICE, "active",
                Lifecycles.T0, false, StripeObjects.id("in"), null);
        refusedAndUnchanged(e.getBytes(StandardCharsets.UTF_8), StripeWire.sign(e, RunningService.STRIPE_WEBHOOK_SECRET), 422, "unknown_user");
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

    @Test
    void aRefundOfASubscriptionInvoiceIsRecordedAndChangesNeitherThePlanNorItsPayments() throws Exception {
        // given: a user on pro with its first invoice paid
        UUID user = buyer();
        Lifecycles.Sub s = new Lifecycles.Sub(user);
        String invoice = StripeObjects.id("in");
        String pi = StripeObjects.id("pi");
        StripeWire.deliver(service, s.event("customer.subscription.created", Lifecycles.T0, "pro", Lifecycles.PRO_PRICE, "active", Lifecycles.T0, false,
                invoice, null));
        StripeWire.deliver(service, StripeObjects.event(StripeObjects.id("evt"), "invoice.paid", Lifecycles.T0 + 1, StripeObjects.invoice(invoice, s.id,
                s.customer, Lifecycles.PRO_PRICE, 1900, "paid", "subscription_create", Lifecycles.T0, Lifecycles.T0 + Lifecycles.MONTH, Lifecycles.T0 + 1), null));
        String rows = "select status, plan_id, current_period_end from public.subscriptions where user_id = ?";
        String payments = "select kind, status, amount_cents, amount_refunded_cents from public.payments where user_id = ?";
        Object before;
        try (Connection c = db.connect()) {
            before = java.util.List.of(Postgrest.rows(c, rows, user), Postgrest.rows(c, payments, user));
            assertThat(Postgrest.rows(c, payments, user)).as("the invoice's payment").hasSize(1);
        }

        // when: Stripe reports the invoice's charge fully refunded (basil: the charge names its payment intent, not its invoice)
        String refund = StripeObjects.id("evt");
        HttpResponse<String> r = StripeWire.deliver(service, StripeObjects.event(refund, "charge.refunded", Lifecycles.T0 + 600,
                StripeObjects.refundedCharge(StripeObjects.id("ch"), pi, s.customer, 1900, 1900, Lifecycles.T0 + 1), null));

        // then: acknowledged and kept in the ledger; the subscription, its plan and its payment row are as they were
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select type from private.webhook_events where id = ?", refund)).isEqualTo("charge.refunded");
            assertThat(java.util.List.of(Postgrest.rows(c, rows, user), Postgrest.rows(c, payments, user))).isEqualTo(before);
            assertThat(Postgrest.scalar(c, "select plan_id from private.plan_in_force(?, to_timestamp(?))", user, Lifecycles.T0 + 700))
                    .as("access follows the subscription's status alone").isEqualTo("pro");
        }
    }
}
