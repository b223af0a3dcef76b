package dev.gatehouse.ai.config;

import java.time.Duration;

/**
 * The circuit breaker kept per deployment: it opens when the failure rate over the last
 * {@code slidingWindowCalls} calls (once at least {@code minimumCalls} were made) reaches
 * {@code failureRatePercent}, skips the deployment for {@code openFor}, then lets
 * {@code halfOpenCalls} probes through to decide whether to close again.
 */
public record BreakerPolicy(int failureRatePercent, int slidingWindowCalls, int minimumCalls, Duration openFor,
                            int halfOpenCalls) {
}
