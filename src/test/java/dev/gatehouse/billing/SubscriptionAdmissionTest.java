package dev.gatehouse.billing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A subscription applied by the webhook changes what the real admission (HTTP, QuotaGate, the SQL plan
 * function) allows on the user's very next request, with the subscription's period as the quota period.
 */
class SubscriptionAdmissionTest {
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

    private static int ask(String token) throws Exception {
        return service.post("/v1/chat/completions", token, "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode();
    }

    @Test
    void aProSubscriptionLiftsTheFreeQuotaOnTheNextRequestAndKeepsItUntilItEnds() throws Exception {
        AuthUser user = Users.signUp(db.dataSource(), "upgrader");
        String token = service.tokenFor(user);
        for (int i = 0; i < 10; i++) {
            assertThat(ask(token)).isEqualTo(200);
        }
        assertThat(ask(token)).as("the free plan's 11th request").isEqualTo(429);

        long now = Instant.now().getEpochSecond();
        long start = now - 86400;
        long end = start + Lifecycles.MONTH;
        Lifecycles.Sub sub = new Lifecycles.Sub(user.id());
        assertThat(StripeWire.deliver(service, sub.event("customer.subscription.created", now, "pro", Lifecycles.PRO_PRICE, "active", start, false,
                "in_1", null)).statusCode()).isEqualTo(200);

        assertThat(ask(token)).as("the next request, on pro").isEqualTo(200);
        JsonNode usage = StripeEvent.JSON.readTree(service.get("/v1/usage", token).body());
        assertThat(usage.path("plan").asText()).isEqualTo("pro");
        assertThat(Instant.parse(usage.at("/period/start").asText()).getEpochSecond()).isEqualTo(start);
        assertThat(Instant.parse(usage.at("/period/end").asText()).getEpochSecond()).isEqualTo(end);

        StripeWire.deliver(service, sub.event("customer.subscription.updated", now + 1, "pro", Lifecycles.PRO_PRICE, "active", start, true, "in_1",
                Lifecycles.prev("cancel_at_period_end", false)));
        assertThat(ask(token)).as("canceled at period end: still pro until then").isEqualTo(200);

        StripeWire.deliver(service, sub.event("customer.subscription.deleted", now + 2, "pro", Lifecycles.PRO_PRICE, "canceled", start, true, "in_1",
                null));
        assertThat(ask(token)).as("ended: back on free, whose quota is spent").isEqualTo(429);
    }
}
