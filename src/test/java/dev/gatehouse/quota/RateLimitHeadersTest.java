package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant PERIOD_END = Instant.parse("2026-12-01T00:00:00Z");

    @Test
    void perMinuteLimitIsReportedWhileThePeriodHasMoreLeft() {
        Limits l = new Limits("pro", 60, 59, 1.0, NOW, PERIOD_END, 500, 3, null, 0);

        var h = RateLimitHeaders.of(l, NOW);

        assertThat(h).containsEntry("x-ratelimit-limit-requests", "60")
                .containsEntry("x-ratelimit-remaining-requests", "59")
                .containsEntry("x-ratelimit-reset-requests", "1s")
                .containsEntry("x-quota-remaining-requests", "497")
                .containsEntry("x-quota-reset", "2026-12-01T00:00:00Z");
    }

    @Test
    void periodQuotaIsReportedOnceItBinds() {
        Limits l = new Limits("free", 20, 15, 15.0, NOW, PERIOD_END, 10, 10, null, 0);

        var h = RateLimitHeaders.of(l, NOW);

        assertThat(h).containsEntry("x-ratelimit-limit-requests", "10")
                .containsEntry("x-ratelimit-remaining-requests", "0")
                .containsEntry("x-ratelimit-reset-requests", "182h0m0s");
    }

    @Test
    void durationsUseOpenAisFormat() {
        assertThat(RateLimitHeaders.duration(Duration.ofMillis(120))).isEqualTo("120ms");
        assertThat(RateLimitHeaders.duration(Duration.ofSeconds(360))).isEqualTo("6m0s");
        assertThat(RateLimitHeaders.duration(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
    }
}
