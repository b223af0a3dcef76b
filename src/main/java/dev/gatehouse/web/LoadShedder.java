package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load shedding on the AI endpoints: past saturation, a share of new calls is answered at once with 503 and
 * {@code Retry-After: 1} (OpenAI's SDKs retry it with backoff) instead of every caller queueing for seconds.
 *
 * <p>The signal is the virtual-thread scheduler's lag: a probe parks for {@link #PROBE_NANOS} and measures how
 * late it runs again. Every request here runs on a virtual thread, so that lag is the time a request that is
 * ready to run waits for a core, whatever the cause (the gateway's own work, Postgres or another process on the
 * same cores). The lowest lag of a {@link #WINDOW}-probe window (100 ms) is the standing queue: one slow probe is
 * a burst, ten are a queue (CoDel's reasoning). While the window's lowest lag is above the target the shed share
 * grows by {@link #STEP_UP} per window, up to {@link #MAX_SHARE}; once it is below, it falls by {@link #STEP_DOWN}
 * per window, slower than it rose, so the service settles at about the load it can serve with a short queue.
 *
 * <p>Only calls that start AI work are shed: the chat, task, sister-app and media endpoints. Streams already open
 * are never cut. Webhooks (Stripe retries, but money should not wait), the Auth email hook, billing, health,
 * readiness, metrics and the read-only endpoints are never shed. Shedding happens before authentication, so a
 * shed call costs almost nothing and spends nothing.
 */
final class LoadShedder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadShedder.class);
    static final long PROBE_NANOS = 10_000_000L;
    static final int WINDOW = 10;
    static final double STEP_UP = 0.1;
    static final double STEP_DOWN = 0.02;
    static final double MAX_SHARE = 0.95;
    static final String RETRY_AFTER_SECONDS = "1";

    private final long targetNanos;
    private final DoubleSupplier random;
    private final Object lock = new Object();
    private long windowMin = Long.MAX_VALUE;
    private int probes;
    private volatile double share;
    private volatile long lastLagNanos;
    private volatile boolean closed;
    private Thread probe;

    /**
     * @param targetMillis the standing scheduler lag above which calls are shed; 0 switches shedding off
     * @param random       uniform in [0, 1), which calls of the shed share are refused
     */
    LoadShedder(int targetMillis, DoubleSupplier random) {
        this.targetNanos = targetMillis * 1_000_000L;
        this.random = random;
    }

    static LoadShedder of(int targetMillis) {
        return new LoadShedder(targetMillis, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** Starts the probe (a daemon virtual thread); nothing when shedding is off. */
    LoadShedder start() {
        if (targetNanos > 0 && probe == null) {
            probe = Thread.ofVirtual().name("load-shedder-probe").start(this::probeLoop);
        }
        return this;
    }

    private void probeLoop() {
        while (!closed) {
            long before = System.nanoTime();
            LockSupport.parkNanos(PROBE_NANOS);
            observe(Math.max(0, System.nanoTime() - before - PROBE_NANOS));
        }
    }

    /** One probe's lag; every {@link #WINDOW} probes the shed share moves. Package-visible for tests. */
    void observe(long lagNanos) {
        lastLagNanos = lagNanos;
        if (targetNanos == 0) {
            return;
        }
        synchronized (lock) {
            windowMin = Math.min(windowMin, lagNanos);
            if (++probes < WINDOW) {
                return;
            }
            double before = share;
            double next = windowMin > targetNanos ? Math.min(MAX_SHARE, before + STEP_UP) : Math.max(0, before - STEP_DOWN);
            share = next;
            if (before == 0 && next > 0) {
                log.warn("overloaded: the scheduler's lag stayed above {} ms for {} ms (lowest {} ms); shedding new AI calls with 503",
                        targetNanos / 1_000_000, WINDOW * PROBE_NANOS / 1_000_000, windowMin / 1_000_000);
            } else if (before > 0 && next == 0) {
                log.info("no longer overloaded; shedding stopped");
            }
            windowMin = Long.MAX_VALUE;
            probes = 0;
        }
    }

    /** The share of new AI calls being refused now, 0 to {@link #MAX_SHARE}. */
    double share() {
        return share;
    }

    /** The last probe's lag, in seconds (a gauge). */
    double lagSeconds() {
        return lastLagNanos / 1e9;
    }

    /** Whether the request starts AI work (and so may be shed). */
    static boolean sheddable(HandlerType method, String path) {
        if (method != HandlerType.POST) {
            return false;
        }
        return path.equals("/v1/chat/completions") || path.startsWith("/v1/tasks/") || path.startsWith("/v1/mentor/")
                || path.equals("/v1/sales/call-analyses") || path.equals("/v1/images/generations") || path.equals("/v1/embeddings");
    }

    /** A before-handler: refuses a share of the AI calls while overloaded. */
    void check(Context ctx) {
        Refusal r = refusal(ctx.method(), ctx.path());
        if (r != null) {
            throw r;
        }
    }

    /** The 503 for this call, or null when it goes ahead. */
    Refusal refusal(HandlerType method, String path) {
        double s = share;
        if (s == 0 || !sheddable(method, path) || random.getAsDouble() >= s) {
            return null;
        }
        return new Refusal(503, "server_error", "overloaded", null,
                "The service is overloaded and turned this call away before doing any work; nothing was charged. Retry after "
                        + RETRY_AFTER_SECONDS + " s.",
                Map.of("Retry-After", RETRY_AFTER_SECONDS));
    }

    @Override
    public void close() {
        closed = true;
        Thread t = probe;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
