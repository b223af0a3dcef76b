package dev.gatehouse.billing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.stripe.Stripe;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /v1/billing/checkout and /portal against WireMock speaking Stripe's API (form-encoded requests, JSON bodies, error shape). */
class CheckoutTest {
    private static final String FREE_COURSE = "c0000000-0000-4000-8000-000000000001";
    private static final String DRAFT_COURSE = "c0000000-0000-4000-8000-000000000003";
    private static TestDatabase db;
    private static WireMockServer stripe;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated(16);
        Lifecycles.pricePlans(db.dataSource());
        stripe = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().globalTemplating(true));
        stripe.start();
        service = RunningService.start(db.dataSource(), Map.of("STRIPE_SECRET_KEY", "sk_test_51TestKeyForWireMock0000", "STRIPE_API_BASE", stripe.baseUrl(),
                "STRIPE_CHECKOUT_SUCCESS_URL", "https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}",
                "STRIPE_CHECKOUT_CANCEL_URL", "https://app.example.com/billing/canceled", "STRIPE_PORTAL_RETURN_URL", "https://app.example.com/account"));
    }

    @AfterAll
    static void stop() {
        service.close();
        stripe.stop();
        db.close();
    }

    @BeforeEach
    void stripeAnswersAsStripe() {
        stripe.resetAll();
        stripe.stubFor(post(urlEqualTo("/v1/customers")).willReturn(stripeJson(200, "customer.json")));
        stripe.stubFor(post(urlEqualTo("/v1/checkout/sessions")).willReturn(stripeJson(200, "checkout-session.json")));
        stripe.stubFor(post(urlEqualTo("/v1/billing_portal/sessions")).willReturn(stripeJson(200, "portal-session.json")));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder stripeJson(int status, String file) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withHeader("Request-Id", "req_TestLog0001")
                .withHeader("Stripe-Version", Stripe.API_VERSION).withBody(resource(file));
    }

    private static String resource(String file) {
        try (var in = CheckoutTest.class.getResourceAsStream("/stripe/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> form(LoggedRequest r) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String pair : r.getBodyAsString().split("&")) {
            String[] kv = pair.split("=", 2);
            out.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
        }
        return out;
    }

    private static HttpResponse<String> checkout(String token, String body) throws Exception {
        return service.post("/v1/billing/checkout", token, body);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return StripeEvent.JSON.readTree(r.body());
    }

    @Test
    void aPlanCheckoutCreatesTheCustomerOnceAndASubscriptionSessionCarryingTheUser() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "planbuyer");
        HttpResponse<String> r = checkout(service.tokenFor(u), "{\"plan\":\"pro\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("id").asText()).startsWith("cs_test_");
        assertThat(json(r).path("url").asText()).startsWith("https://checkout.stripe.com/c/pay/");
        LoggedRequest customer = stripe.findAll(postRequestedFor(urlEqualTo("/v1/customers"))).getFirst();
        assertThat(customer.getHeader("Idempotency-Key")).isEqualTo("gatehouse-customer-" + u.id());
        assertThat(customer.getHeader("Stripe-Version")).isEqualTo(Stripe.API_VERSION);
        assertThat(form(customer)).containsEntry("metadata[user_id]", u.id().toString());
        Map<String, String> session = form(stripe.findAll(postRequestedFor(urlEqualTo("/v1/checkout/sessions"))).getFirst());
        String customerId = "cus_T" + u.id().toString().substring(24);
        assertThat(session).containsEntry("mode", "subscription").containsEntry("customer", customerId)
                .containsEntry("line_items[0][price]", Lifecycles.PRO_PRICE).containsEntry("client_reference_id", u.id().toString())
                .containsEntry("metadata[user_id]", u.id().toString()).containsEntry("subscription_data[metadata][user_id]", u.id().toString())
                .containsEntry("success_url", "https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}");

        assertThat(checkout(service.tokenFor(u), "{\"plan\":\"enterprise\"}").statusCode()).isEqualTo(200);
        assertThat(stripe.findAll(postRequestedFor(urlEqualTo("/v1/customers")))).as("the customer is reused").hasSize(1);
    }

    @Test
    void aCourseCheckoutIsAOneTimePaymentPricedFromTheCourseRow() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "coursebuyer");
        HttpResponse<String> r = checkout(service.tokenFor(u), "{\"course_id\":\"" + Lifecycles.PAID_COURSE + "\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> session = form(stripe.findAll(postRequestedFor(urlEqualTo("/v1/checkout/sessions"))).getFirst());
        assertThat(session).containsEntry("mode", "payment").containsEntry("line_items[0][price_data][unit_amount]", "4900")
                .containsEntry("line_items[0][price_data][currency]", "usd").containsEntry("line_items[0][price_data][product_data][name]", "Building AI Agents")
                .containsEntry("metadata[course_id]", Lifecycles.PAID_COURSE.toString())
                .containsEntry("payment_intent_data[metadata][user_id]", u.id().toString()).containsEntry("client_reference_id", u.id().toString());
    }

    @Test
    void twoConcurrentFirstCheckoutsShareOneCustomer() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "racer");
        String token = service.tokenFor(u);
        List<CompletableFuture<HttpResponse<String>>> both = List.of(
                CompletableFuture.supplyAsync(() -> call(() -> checkout(token, "{\"plan\":\"pro\"}"))),
                CompletableFuture.supplyAsync(() -> call(() -> checkout(token, "{\"course_id\":\"" + Lifecycles.PAID_COURSE + "\"}"))));
        assertThat(both.stream().map(f -> f.join().statusCode())).containsExactly(200, 200);
        assertThat(stripe.findAll(postRequestedFor(urlEqualTo("/v1/customers"))).stream().map(r -> r.getHeader("Idempotency-Key")).distinct())
                .containsExactly("gatehouse-customer-" + u.id());
        try (Connection c = db.connect()) {
            assertThat(Postgrest.rows(c, "select stripe_customer_id from private.stripe_customers where user_id = ?", u.id()))
                    .containsExactly(Map.of("stripe_customer_id", "cus_T" + u.id().toString().substring(24)));
        }
    }

    @Test
    void refusalsNameWhatIsWrongInOpenAisErrorShape() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "refused");
        String token = service.tokenFor(u);
        assertRefused(checkout(token, "{\"plan\":\"free\"}"), 400, "plan_not_for_sale");
        assertRefused(checkout(token, "{\"plan\":\"platinum\"}"), 404, "not_found");
        assertRefused(checkout(token, "{\"course_id\":\"" + FREE_COURSE + "\"}"), 400, "course_is_free");
        assertRefused(checkout(token, "{\"course_id\":\"" + DRAFT_COURSE + "\"}"), 404, "course_not_found");
        assertRefused(checkout(token, "{\"course_id\":\"" + java.util.UUID.randomUUID() + "\"}"), 404, "course_not_found");
        assertRefused(checkout(token, "{\"plan\":\"pro\",\"course_id\":\"" + Lifecycles.PAID_COURSE + "\"}"), 400, null);
        assertRefused(checkout(token, "{\"course_id\":\"not-a-uuid\"}"), 400, null);
        assertRefused(checkout(null, "{\"plan\":\"pro\"}"), 401, "missing_authorization");

        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into public.enrollments (student_id, course_id, status) values (?, ?, 'active')", u.id(), Lifecycles.PAID_COURSE);
        }
        assertRefused(checkout(token, "{\"course_id\":\"" + Lifecycles.PAID_COURSE + "\"}"), 409, "already_enrolled");
        Users.subscribe(db.dataSource(), u.id(), "pro");
        assertRefused(checkout(token, "{\"plan\":\"pro\"}"), 409, "already_subscribed");
        assertRefused(checkout(token, "{\"plan\":\"enterprise\"}"), 409, "use_billing_portal");
        assertThat(stripe.getAllServeEvents()).as("no refused checkout reached Stripe").isEmpty();
    }

    @Test
    void alreadyOnThatPlanMeansThePlanAdmissionGrantsNotAnyLiveLookingRow() throws Exception {
        // given: a pro subscription still 'active' in our table but whose period ended 10 days ago
        // (past the 3-day grace of private.plan_in_force), and one that ended a day ago (in the grace)
        AuthUser lapsed = Users.signUp(db.dataSource(), "lapsed");
        AuthUser inGrace = Users.signUp(db.dataSource(), "ingrace");
        try (Connection c = db.connect()) {
            for (var row : List.of(Map.entry(lapsed, "10 days"), Map.entry(inGrace, "1 day"))) {
                Postgrest.update(c, """
                        insert into public.subscriptions (user_id, plan_id, status, stripe_subscription_id, stripe_customer_id,
                            current_period_start, current_period_end)
                        values (?, 'pro', 'active', ?, 'cus_test', now() - interval '30 days' - ?::interval, now() - ?::interval)""",
                        row.getKey().id(), "sub_" + row.getKey().id().toString().replace("-", ""), row.getValue(), row.getValue());
            }
            assertThat(Postgrest.scalar(c, "select plan_id from private.plan_in_force(?)", lapsed.id())).as("admission's plan").isEqualTo("free");
            assertThat(Postgrest.scalar(c, "select plan_id from private.plan_in_force(?)", inGrace.id())).as("admission's plan").isEqualTo("pro");
        }

        // when / then: checkout follows the plan admission applies
        assertThat(checkout(service.tokenFor(lapsed), "{\"plan\":\"pro\"}").statusCode()).as("admission holds the lapsed user to free").isEqualTo(200);
        assertRefused(checkout(service.tokenFor(inGrace), "{\"plan\":\"pro\"}"), 409, "already_subscribed");
        assertRefused(checkout(service.tokenFor(inGrace), "{\"plan\":\"enterprise\"}"), 409, "use_billing_portal");
    }

    @Test
    void stripesOwnRefusalBecomesA502WithoutStripesDetail() throws Exception {
        stripe.stubFor(post(urlEqualTo("/v1/checkout/sessions")).willReturn(stripeJson(400, "error-no-such-price.json")));
        AuthUser u = Users.signUp(db.dataSource(), "stripeerror");
        HttpResponse<String> r = checkout(service.tokenFor(u), "{\"plan\":\"pro\"}");
        assertRefused(r, 502, "stripe_error");
        assertThat(r.body()).contains("req_TestLog0001").doesNotContain("No such price");
    }

    @Test
    void anApiKeyNeedsTheBillingScope() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "scripted");
        Persona me = Persona.user("scripted", u.id(), u.email());
        String chatKey = new Postgrest(db.dataSource()).asAndCommit(me,
                c -> (String) Postgrest.scalar(c, "select api_key from public.create_api_key('chat only', array['chat'])"));
        String billingKey = new Postgrest(db.dataSource()).asAndCommit(me,
                c -> (String) Postgrest.scalar(c, "select api_key from public.create_api_key('billing', array['billing'])"));
        assertRefused(checkout(chatKey, "{\"plan\":\"pro\"}"), 403, "insufficient_scope");
        assertThat(checkout(billingKey, "{\"plan\":\"pro\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void thePortalOpensForAUserWithACustomerAndIs404WithoutOne() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "portal");
        assertRefused(service.post("/v1/billing/portal", service.tokenFor(u), "{}"), 404, "no_billing_account");
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into private.stripe_customers (user_id, stripe_customer_id) values (?, 'cus_PortalUser0001')", u.id());
        }
        HttpResponse<String> r = service.post("/v1/billing/portal", service.tokenFor(u), "{}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("url").asText()).startsWith("https://billing.stripe.com/p/session/");
        Map<String, String> sent = form(stripe.findAll(postRequestedFor(urlEqualTo("/v1/billing_portal/sessions"))).getFirst());
        assertThat(sent).containsEntry("customer", "cus_PortalUser0001").containsEntry("return_url", "https://app.example.com/account");
    }

    @Test
    void withoutAStripeKeyBillingAnswers503AndTheServiceStillRuns() throws Exception {
        try (RunningService bare = RunningService.start(db.dataSource(), Map.of())) {
            AuthUser u = Users.signUp(db.dataSource(), "nostripe");
            assertRefused(bare.post("/v1/billing/checkout", bare.tokenFor(u), "{\"plan\":\"pro\"}"), 503, "billing_not_configured");
            assertRefused(bare.post("/v1/billing/portal", bare.tokenFor(u), "{}"), 503, "billing_not_configured");
            assertThat(bare.get("/health", null).statusCode()).isEqualTo(200);
        }
    }

    private static void assertRefused(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode error = json(r).path("error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        if (code != null) {
            assertThat(error.path("code").asText()).isEqualTo(code);
        }
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T call(Call<T> c) {
        try {
            return c.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
