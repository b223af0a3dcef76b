package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The access line's latency field reads as {@code %.1f} did, without a Formatter per request. */
class AccessLogLatencyTest {
    private static final Logger log = LoggerFactory.getLogger(AccessLogLatencyTest.class);

    @Test
    void latencyHasOneDecimalAsPercentPointOneFWould() {
        assertThat(AccessLog.tenths(0f)).isEqualTo("0.0");
        assertThat(AccessLog.tenths(0.04f)).isEqualTo("0.0");
        assertThat(AccessLog.tenths(0.96f)).isEqualTo("1.0");
        assertThat(AccessLog.tenths(12.34f)).isEqualTo("12.3");
        assertThat(AccessLog.tenths(460.6f)).isEqualTo("460.6");
        assertThat(AccessLog.tenths(120_000.25f)).isEqualTo("120000.3");
        assertThat(AccessLog.tenths(-1f)).as("a clock step never prints a negative latency").isEqualTo("0.0");

        long seed = System.nanoTime();
        log.info("seed {} (replay: new Random(seed))", seed);
        Random random = new Random(seed);
        for (int i = 0; i < 100_000; i++) {
            float ms = random.nextInt(4) == 0 ? random.nextFloat() * 10 : random.nextFloat() * 100_000;
            double tenthsExact = ms * 10.0;
            if (Math.abs(tenthsExact - Math.floor(tenthsExact) - 0.5) < 1e-3) {
                continue; // on a rounding boundary the float's binary value decides either way
            }
            assertThat(AccessLog.tenths(ms)).as("seed %d, %s ms", seed, ms).isEqualTo(String.format(Locale.ROOT, "%.1f", ms));
        }
    }
}
