package dev.gatehouse.jobs;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: attempt n waits between half and all of {@code base * 2^(n-1)}, capped. */
public record Backoff(Duration base, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(30));

    public Duration after(int attempt) {
        long cap = max.toMillis();
        long exp = base.toMillis() << Math.min(Math.max(attempt - 1, 0), 30);
        long full = Math.min(cap, exp <= 0 ? cap : exp);
        long half = full / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(full - half + 1));
    }
}
