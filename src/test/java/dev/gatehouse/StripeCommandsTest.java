package dev.gatehouse;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.gatehouse.billing.StripeEvent;
import dev.gatehouse.billing.StripeObjects;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code stripe trigger} walks the README's billing scenarios against a running service; {@code stripe sync} catches up from the Events API. */
class StripeCommandsTest {
    private static final UUID PAID_COURSE = UUID.fromString("c0000000-0000-4000-8000-000000000002");
    private static TestDatabase db;
    private static RunningService service;
    private static Map<String, String> env;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of());
        env = Map.of("GATEHOUSE_MODE", "dev", "DATABASE_URL", DatabaseUrl.forPsql("127.0.0.1", TestDatabase.server().port(), "postgres", db.name()),
                "STRIPE_WEBHOOK_SECRET", RunningService.STRIPE_WEBHOOK_SECRET);
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static CliRun trigger(String scenario, String email, String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of("stripe", "trigger", scenario, "--email", email, "--to", service.baseUrl()));
        argv.addAll(List.of(more));
        CliRun run = CliRun.of(env, argv.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        return run;
    }

    private static Object one(String sql, Object... params) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, sql, params);
        }
    }

    @Test
    void aCoursePurchaseThenItsRefundEnrollAndThenRevoke() throws Exception {
        String email = "walker-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        CliRun bought = trigger("course-purchase", email);
        assertThat(bought.out()).contains("-> checkout.session.completed  200");
        String enrollment = "select e.status from public.enrollments e join auth.users u on u.id = e.student_id where u.email = ? and e.course_id = ?";
        assertThat(one(enrollment, email, PAID_COURSE)).isEqualTo("active");

        assertThat(trigger("course-refund", email).out()).contains("-> charge.refunded  200");
        assertThat(one(enrollment, email, PAID_COURSE)).isEqualTo("refunded");
        assertThat(one("select p.status from public.payments p join auth.users u on u.id = p.user_id where u.email = ?", email)).isEqualTo("refunded");
    }

    @Test
    void aSubscriptionStartsUpgradesFailsAPaymentAndIsCanceled() throws Exception {
        String email = "subscriber-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String sub = "select s.plan_id || ' ' || s.status || ' ' || s.cancel_at_period_end from public.subscriptions s join auth.users u on u.id = s.user_id where u.email = ?";
        trigger("subscription-start", email);
        assertThat(one(sub, email)).isEqualTo("pro active false");
        trigger("subscription-upgrade", email);
        assertThat(one(sub, email)).isEqualTo("enterprise active false");
        trigger("payment-failed", email);
        assertThat(one(sub, email)).isEqualTo("enterprise past_due false");
        assertThat(one("select count(*) from public.payments p join auth.users u on u.id = p.user_id where u.email = ? and p.status = 'failed'", email))
                .isEqualTo(1L);
        trigger("subscription-cancel", email);
        assertThat(one(sub, email)).isEqualTo("enterprise past_due true");
        trigger("subscription-cancel", email, "--now");
        assertThat(one(sub, email)).isEqualTo("enterprise canceled true");
    }

    @Test
    void anUnknownScenarioIsAUsageError() {
        CliRun run = CliRun.of(env, "stripe", "trigger", "black-friday", "--to", service.baseUrl());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("unknown scenario 'black-friday'");
    }

    @Test
    void syncPagesThroughTheEventsApiAndAppliesOnlyWhatTheLedgerLacks() throws Exception {
        WireMockServer stripe = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        stripe.start();
        try {
            UUID user = (UUID) one("select id from auth.users where email = 'student@example.com'");
            long now = System.currentTimeMillis() / 1000;
            String seen = purchase(user, now - 7200);
            try (Connection c = db.connect()) {
                StripeWebhook.apply(c, StripeEvent.parse(seen)); // delivered by the webhook before the outage
            }
            String missedPurchase = purchase(user, now - 3600);
            String missedUnknown = StripeObjects.event(StripeObjects.id("evt"), "customer.created", now - 3000,
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("id", "cus_X").put("object", "customer"), null);
            String last = StripeEvent.parse(missedPurchase).id();
            stripe.stubFor(get(urlPathEqualTo("/v1/events")).withQueryParam("starting_after", absent()).withQueryParam("limit", equalTo("100"))
                    .withQueryParam("created[gte]", com.github.tomakehurst.wiremock.client.WireMock.matching("\\d{10}"))
                    .willReturn(page(true, missedUnknown, missedPurchase)));
            stripe.stubFor(get(urlPathEqualTo("/v1/events")).withQueryParam("starting_after", equalTo(last)).willReturn(page(false, seen)));
            Map<String, String> withKey = new HashMap<>(env);
            withKey.put("STRIPE_SECRET_KEY", "sk_test_51TestKeyForWireMock0000");
            withKey.put("STRIPE_API_BASE", stripe.baseUrl());

            CliRun run = CliRun.of(withKey, "stripe", "sync", "--since", "3d");

            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("applied  " + last + "  checkout.session.completed").contains("customer.created")
                    .contains("3 events since").contains("2 applied, 1 already in the ledger, 0 refused");
            assertThat(stripe.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathEqualTo("/v1/events")))).hasSize(2);
            assertThat(one("select count(*) from public.payments where user_id = ? and kind = 'course_purchase'", user)).isEqualTo(2L);
        } finally {
            stripe.stop();
        }
    }

    private static String purchase(UUID user, long created) {
        return StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", created,
                StripeObjects.paymentSession(StripeObjects.id("cs_test"), StripeObjects.id("pi"), StripeObjects.id("cus"), user, PAID_COURSE, 4900, "usd",
                        "paid", created), null);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder page(boolean hasMore, String... events) {
        String body = "{\"object\":\"list\",\"data\":[" + String.join(",", events) + "],\"has_more\":" + hasMore + ",\"url\":\"/v1/events\"}";
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withHeader("Request-Id", "req_EventsPage").withBody(body);
    }
}
