package dev.gatehouse.email;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A client-side send rate shared by every worker thread of one instance: sends are spaced evenly
 * ({@code 1/rate} apart, no bursts), and the provider can pause them (its {@code retry-after} or an
 * exhausted {@code ratelimit-remaining}). A rate of 0 lifts the limit.
 */
final class Pace {
    private final long intervalNanos;
    private long next = System.nanoTime();
    private long pausedUntil = System.nanoTime();

    Pace(double perSecond) {
        this.intervalNanos = perSecond <= 0 ? 0 : (long) (1_000_000_000L / perSecond);
    }

    /**
     * Waits for this send's turn, unless that is more than {@code maxWait} away.
     *
     * @return null when the send may go now, else how long until it could (nothing is reserved)
     */
    Duration acquire(Duration maxWait) {
        long start;
        synchronized (this) {
            long now = System.nanoTime();
            start = Math.max(now, Math.max(next, pausedUntil));
            if (start - now > maxWait.toNanos()) {
                return Duration.ofNanos(start - now);
            }
            next = start + intervalNanos;
        }
        for (long wait = start - System.nanoTime(); wait > 0; wait = start - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
        return null;
    }

    synchronized void pauseFor(Duration d) {
        pausedUntil = Math.max(pausedUntil, System.nanoTime() + d.toNanos());
    }
}
