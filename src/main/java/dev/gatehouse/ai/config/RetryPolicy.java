package dev.gatehouse.ai.config;

import java.time.Duration;

/**
 * How hard one request tries before it gives up.
 *
 * @param maxAttemptsPerDeployment attempts on one deployment before falling back to the next (1 = no retry)
 * @param baseBackoff              first retry waits a random time in [0, base]; each retry doubles the ceiling
 * @param maxBackoff               ceiling of that random wait (Retry-After is honoured above it, within the deadline)
 * @param deadline                 the whole request, every attempt and wait included; a stream only until its first byte
 */
public record RetryPolicy(int maxAttemptsPerDeployment, Duration baseBackoff, Duration maxBackoff, Duration deadline) {
}
