package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shedder in the running service: its probe runs and reports the scheduler's lag, and at rest nothing is
 * shed. (The control loop is {@link LoadShedderTest}; what it does past saturation is measured by
 * {@code bench/gateway.sh}, open loop above the saturation rate, with shedding on and off.)
 */
class LoadSheddingTest {
    private static final String CHAT = "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String OPS_TOKEN = "ops-token-for-the-shedding-test-0123456789";
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_SHED_LAG_MS", "500", "GATEHOUSE_OPS_TOKEN", OPS_TOKEN));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static double gauge(String name) throws Exception {
        for (String line : service.get("/metrics", OPS_TOKEN).body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " gauge in /metrics");
    }

    @Test
    void theProbeReportsTheSchedulersLagAndAtRestNoCallIsShed() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "shed");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 1000, 10));
        String token = service.tokenFor(u);

        await().atMost(Duration.ofSeconds(10)).until(() -> gauge("gatehouse_scheduler_lag_seconds") > 0);
        for (int i = 0; i < 20; i++) {
            assertThat(service.post("/v1/chat/completions", token, CHAT).statusCode()).isEqualTo(200);
        }

        assertThat(gauge("gatehouse_scheduler_lag_seconds")).as("a probe 10 ms apart on a machine at rest").isLessThan(0.5);
        assertThat(gauge("gatehouse_shed_share")).isZero();
    }
}
