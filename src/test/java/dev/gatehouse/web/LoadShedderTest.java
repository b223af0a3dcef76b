package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.Settings;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The shedder's control loop on given probe lags: when it starts shedding, how far, and how it lets go. */
class LoadShedderTest {
    private static final long MS = 1_000_000L;
    private final AtomicReference<Double> draw = new AtomicReference<>(0.0);

    private LoadShedder shedder(int targetMillis) {
        return new LoadShedder(targetMillis, draw::get);
    }

    private static void window(LoadShedder s, long... lagsMillis) {
        for (int i = 0; i < LoadShedder.WINDOW; i++) {
            s.observe(lagsMillis[i % lagsMillis.length] * MS);
        }
    }

    @Test
    void aStandingLagAboveTheTargetShedsAGrowingShareUpToTheCap() {
        LoadShedder s = shedder(50);

        window(s, 60, 80, 75);
        assertThat(s.share()).isEqualTo(LoadShedder.STEP_UP);
        for (int i = 0; i < 30; i++) {
            window(s, 200);
        }

        assertThat(s.share()).isEqualTo(LoadShedder.MAX_SHARE);
    }

    @Test
    void oneSlowProbeInAWindowIsABurstNotAQueue() {
        LoadShedder s = shedder(50);

        for (int i = 0; i < 20; i++) {
            window(s, 900, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        }

        assertThat(s.share()).as("a GC pause or one burst per window").isZero();
    }

    @Test
    void onceTheQueueIsGoneTheShareFallsSlowerThanItRoseUntilNothingIsShed() {
        LoadShedder s = shedder(50);
        for (int i = 0; i < 5; i++) {
            window(s, 120);
        }
        double peak = s.share();

        window(s, 2);
        assertThat(s.share()).isLessThan(peak).isGreaterThan(peak - LoadShedder.STEP_UP);
        for (int i = 0; i < 100; i++) {
            window(s, 2);
        }

        assertThat(peak).isEqualTo(5 * LoadShedder.STEP_UP, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.share()).isZero();
    }

    @Test
    void aShareRefusesThatShareOfAiCallsWith503RetryAfterAndOnlyAiCalls() {
        LoadShedder s = shedder(50);
        for (int i = 0; i < 3; i++) {
            window(s, 500);
        }
        assertThat(s.share()).isEqualTo(0.3, org.assertj.core.data.Offset.offset(1e-9));

        draw.set(0.29);
        Refusal shed = s.refusal(HandlerType.POST, "/v1/chat/completions");
        draw.set(0.31);
        Refusal kept = s.refusal(HandlerType.POST, "/v1/chat/completions");

        assertThat(shed).isNotNull();
        assertThat(shed.status()).isEqualTo(503);
        assertThat(shed.type()).isEqualTo("server_error");
        assertThat(shed.code()).isEqualTo("overloaded");
        assertThat(shed.headers()).containsEntry("Retry-After", "1");
        assertThat(shed.getMessage()).contains("nothing was charged");
        assertThat(kept).isNull();

        draw.set(0.0);
        for (String path : List.of("/v1/chat/completions", "/v1/tasks/mentor-answer", "/v1/mentor/ask", "/v1/mentor/resume",
                "/v1/sales/call-analyses", "/v1/images/generations", "/v1/embeddings")) {
            assertThat(s.refusal(HandlerType.POST, path)).as(path).isNotNull();
        }
        for (String path : List.of("/webhooks/stripe", "/hooks/auth/send-email", "/v1/billing/checkout", "/v1/import/mentor", "/health")) {
            assertThat(s.refusal(HandlerType.POST, path)).as(path).isNull();
        }
        for (String path : List.of("/v1/models", "/v1/usage", "/v1/tasks", "/ready", "/metrics")) {
            assertThat(s.refusal(HandlerType.GET, path)).as(path).isNull();
        }
        assertThat(s.refusal(HandlerType.OPTIONS, "/v1/chat/completions")).as("a CORS preflight").isNull();
    }

    @Test
    void aTargetOfZeroNeverSheds() {
        LoadShedder s = shedder(0);

        for (int i = 0; i < 30; i++) {
            window(s, 5_000);
        }

        assertThat(s.share()).isZero();
        assertThat(s.refusal(HandlerType.POST, "/v1/chat/completions")).isNull();
        s.start().close();
    }

    @Test
    void theTargetIsConfiguredAndValidated() {
        assertThat(Settings.load(Map.of()).edge().shedLagMillis()).as("off unless set").isZero();
        assertThat(Settings.load(Map.of("GATEHOUSE_SHED_LAG_MS", "0")).edge().shedLagMillis()).isZero();
        assertThat(Settings.load(Map.of("GATEHOUSE_SHED_LAG_MS", "200")).edge().shedLagMillis()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_SHED_LAG_MS", "-1")))
                .hasMessageContaining("GATEHOUSE_SHED_LAG_MS must be between 0 and 60000, got -1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_SHED_LAG_MS", "fast")))
                .hasMessageContaining("GATEHOUSE_SHED_LAG_MS must be a whole number, got 'fast'");
    }
}
