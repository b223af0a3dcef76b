package dev.gatehouse.ai;

import java.time.Duration;

/**
 * Told about every upstream attempt per deployment, for metrics and the status page. Fed by the
 * deployments' circuit breakers' own events (each attempt reports to its breaker exactly once), so
 * routing carries no extra code. Called on the request's thread; must be cheap and must not throw.
 */
public interface UpstreamObserver {
    /** The provider answered (a caller's own 4xx included: the provider is healthy). */
    void succeeded(String deployment, Duration latency);

    /** @param kind the failure's kind (timeout, rate limited, server error...), a bounded label */
    void failed(String deployment, String kind, Duration latency);

    /** The deployment was skipped because its breaker is open. */
    void skipped(String deployment);

    /** Its breaker changed state (CLOSED, OPEN, HALF_OPEN...). */
    void breakerChanged(String deployment, String from, String to);
}
