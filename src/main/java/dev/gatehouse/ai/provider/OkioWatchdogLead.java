package dev.gatehouse.ai.provider;

import java.util.concurrent.TimeUnit;
import okio.AsyncTimeout;

/**
 * A timeout that always stands at the head of okio's watchdog queue, so that a call's own timeout
 * entering it wakes nothing. Every OkHttp call with a call timeout (each answer from a provider, and
 * Stripe's, Resend's, Zoom's) enters okio's one JVM-wide queue of timeouts, and okio signals its
 * {@code Okio Watchdog} thread whenever a timeout becomes the queue's first: at a few calls in flight
 * the queue is often empty, so nearly every call woke that thread and it went back to sleep (3.9 % of
 * the service's CPU samples at 1,000 requests/s; bench/README.md, session 31).
 *
 * <p>This lead's deadline is at most {@link #PERIOD_MILLIS} away and it re-arms itself each time it
 * fires (on the watchdog thread, which is awake then anyway), so a timeout longer than that is queued
 * behind it without a signal: two wake-ups a second instead of one per call. Timeouts keep their
 * precision; one shorter than what is left of the lead's period goes first and wakes the watchdog as
 * before. The lead keeps that thread alive (it would otherwise end after 60 s idle).
 */
final class OkioWatchdogLead extends AsyncTimeout {
    static final long PERIOD_MILLIS = 500;
    private static OkioWatchdogLead lead; // guarded by the class

    private OkioWatchdogLead() {
        timeout(PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Puts the lead in okio's queue, once per JVM; later calls do nothing. */
    static synchronized void start() {
        if (lead == null) {
            lead = new OkioWatchdogLead();
            lead.enter();
        }
    }

    /** On the watchdog thread, once the period passed: back in the queue for the next one. */
    @Override
    protected void timedOut() {
        exit();
        enter();
    }
}
