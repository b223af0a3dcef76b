package dev.gatehouse.ai.stream;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.Call;

/**
 * The upstream calls of the streams now open, and the watchdog that holds each to its deadlines:
 * its first event (the attempt's timeout), each silence of the upstream after that (the
 * deployment's attempt timeout), and the whole stream ({@code limits.max_stream_ms}). Shutdown ends
 * them all at once. A call past a deadline is cancelled, which ends a committed stream with one
 * error event, and falls back from one that is not.
 *
 * <p>One platform thread sweeps the open streams every tick, while any is open, instead of a timer
 * per stream and a socket timeout per read: on a virtual thread a timed socket read schedules and
 * cancels a JDK delay task (waking its scheduler's thread twice per read), which was 7 % of the
 * gateway's CPU per stream, and the two timers per stream another 1 % (bench/README.md, session 25).
 * The price is precision: a deadline is noticed up to one tick after it passed.
 *
 * <pre>{@code
 * OpenStreams.Watch watch = openStreams.open(call, firstEventTimeout, silenceTimeout);
 * try (Response response = call.execute()) {
 *     // watch.waiting() before each read that may wait for the upstream, watch.progressed() after it,
 *     // watch.firstEvent() on each event
 * } catch (IOException e) {
 *     ... watch.timedOut() ...
 * } finally {
 *     watch.close();
 * }
 * }</pre>
 */
public final class OpenStreams implements AutoCloseable {
    /** The longest tick: 30 s timeouts are kept within 1 %. */
    static final Duration MAX_TICK = Duration.ofMillis(250);
    /** The shortest tick, for the sub-second timeouts of tests. */
    static final Duration MIN_TICK = Duration.ofMillis(10);
    private static final long NOT_WAITING = Long.MIN_VALUE;

    private final Set<Watch> open = ConcurrentHashMap.newKeySet();
    private final long maxDurationNanos;
    private final long tickNanos;
    private final ScheduledThreadPoolExecutor sweeper;
    /** Starts and stops the sweep, so that a stream opened as the last one closes is never left unwatched. */
    private final ReentrantLock sweeping = new ReentrantLock();
    private ScheduledFuture<?> sweep; // guarded by sweeping
    private volatile boolean ending;

    /**
     * @param maxDuration     how long any stream may last
     * @param shortestTimeout the shortest first-event or silence timeout streams are opened with: the tick is a
     *                        twentieth of it (or of {@code maxDuration}), between {@link #MIN_TICK} and {@link #MAX_TICK}
     */
    public OpenStreams(Duration maxDuration, Duration shortestTimeout) {
        this.maxDurationNanos = maxDuration.toNanos();
        long shortest = Math.min(maxDuration.toNanos(), shortestTimeout.toNanos());
        this.tickNanos = Math.clamp(shortest / 20, MIN_TICK.toNanos(), MAX_TICK.toNanos());
        this.sweeper = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "gateway-stream-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.setRemoveOnCancelPolicy(true);
    }

    /** How late a deadline may be noticed. */
    Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    /**
     * Watches {@code call} from now on (call it before {@code execute()}: the first-event deadline covers
     * connecting and sending too). A call opened while the streams are being ended is cancelled at once.
     */
    public Watch open(Call call, Duration firstEventTimeout, Duration silenceTimeout) {
        Watch watch = new Watch(call, System.nanoTime(), firstEventTimeout.toNanos(), silenceTimeout.toNanos());
        sweeping.lock();
        try {
            open.add(watch);
            if (sweep == null) {
                sweep = sweeper.scheduleWithFixedDelay(this::sweep, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
            }
        } finally {
            sweeping.unlock();
        }
        if (ending) {
            call.cancel();
        }
        return watch;
    }

    /** Whether the streams are being ended for shutdown: their error event says so. */
    public boolean ending() {
        return ending;
    }

    public void endAll() {
        ending = true;
        open.forEach(watch -> watch.call.cancel());
    }

    /** Stops the watchdog (the gateway's close): open streams keep running, unwatched. */
    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** Whether the sweep is scheduled (tests: it stops once no stream is open). */
    boolean sweeping() {
        sweeping.lock();
        try {
            return sweep != null;
        } finally {
            sweeping.unlock();
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Watch watch : open) {
            watch.check(now);
        }
        if (open.isEmpty()) {
            sweeping.lock();
            try {
                if (open.isEmpty() && sweep != null) {
                    sweep.cancel(false);
                    sweep = null;
                }
            } finally {
                sweeping.unlock();
            }
        }
    }

    /** One open stream: its call, its deadlines, and whether its reader is waiting for the upstream. */
    public final class Watch implements AutoCloseable {
        private final Call call;
        private final long openedAt;
        private final long firstEventNanos;
        private final long silenceNanos;
        /** When the reader began waiting for the upstream, or {@link #NOT_WAITING}. */
        private volatile long waitingSince = NOT_WAITING;
        private volatile boolean firstEventSeen;
        private volatile boolean timedOut;
        private volatile boolean cancelled;

        private Watch(Call call, long openedAt, long firstEventNanos, long silenceNanos) {
            this.call = call;
            this.openedAt = openedAt;
            this.firstEventNanos = firstEventNanos;
            this.silenceNanos = silenceNanos;
        }

        /** The reader is about to read what may keep it waiting for the upstream: a silence counts from now. */
        public void waiting() {
            waitingSince = System.nanoTime();
        }

        /** The upstream sent something: the silence is over. Time spent writing to the caller is never a silence. */
        public void progressed() {
            waitingSince = NOT_WAITING;
        }

        /** An event arrived: from now on silences count instead of the first-event deadline. */
        public void firstEvent() {
            if (!firstEventSeen) {
                firstEventSeen = true;
            }
        }

        /** Whether this watch cancelled the call for a late first event or a silence (a timeout, not a broken connection). */
        public boolean timedOut() {
            return timedOut;
        }

        /** The stream is over: no longer watched. */
        @Override
        public void close() {
            open.remove(this);
        }

        private void check(long now) {
            if (cancelled) {
                return;
            }
            long since = waitingSince;
            boolean late = firstEventSeen
                    ? since != NOT_WAITING && now - since > silenceNanos
                    : now - openedAt > firstEventNanos;
            if (late) {
                timedOut = true;
            }
            // past max_stream_ms the call is cancelled as at shutdown: a stream that ran too long, not a timeout
            if (late || now - openedAt > maxDurationNanos) {
                cancelled = true;
                call.cancel();
            }
        }
    }
}
