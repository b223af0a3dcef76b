package dev.gatehouse.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/** How long a provider asks us to wait, in every form providers send it. */
class RetryAfterTest {
    @Test
    void retryAfterIsReadInEveryFormProvidersSend() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        assertThat(RetryAfter.from(Headers.of("retry-after", "7"), now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.from(Headers.of("retry-after", "0.5"), now)).isEqualTo(Duration.ofMillis(500));
        assertThat(RetryAfter.from(Headers.of("retry-after-ms", "250", "retry-after", "1"), now)).isEqualTo(Duration.ofMillis(250));
        assertThat(RetryAfter.from(Headers.of("retry-after", "Wed, 01 Jan 2025 00:00:09 GMT"), now)).isEqualTo(Duration.ofSeconds(9));
        assertThat(RetryAfter.from(Headers.of("retry-after", "Tue, 31 Dec 2024 23:59:00 GMT"), now)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.from(Headers.of("retry-after", "soon"), now)).isNull();
        assertThat(RetryAfter.from(Headers.of(), now)).isNull();
    }

    @Test
    void aRetryAfterIsClampedInsteadOfOverflowing() {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        Duration max = RetryAfter.from(Headers.of("retry-after", "1e300"), now);

        assertThat(max).isNotNull();
        assertThat(max.toNanos()).as("fits in nanoseconds").isPositive();
        assertThat(RetryAfter.from(Headers.of("retry-after-ms", "1e13"), now)).isEqualTo(max);
        assertThat(RetryAfter.from(Headers.of("retry-after", "NaN"), now)).isNull();
        assertThat(RetryAfter.from(Headers.of("retry-after", "-5"), now)).isEqualTo(Duration.ZERO);
    }
}
