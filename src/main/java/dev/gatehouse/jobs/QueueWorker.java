package dev.gatehouse.jobs;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one {@link DurableQueue}: claims due rows in batches, runs each on a virtual thread (at
 * most {@code concurrency} at once), and records its {@link Outcome}. It sleeps until {@link #wake()}
 * (a NOTIFY, or a finished row freeing a slot) or the poll interval, whichever comes first, and
 * recovers rows whose worker died once per poll interval.
 */
public final class QueueWorker<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);

    /** Does the work of one row. An exception counts as a transient failure (retried with backoff). */
    @FunctionalInterface
    public interface Handler<T> {
        Outcome handle(Claimed<T> row) throws Exception;
    }

    public record Options(int concurrency, int batchSize, Duration pollInterval, Duration lease, Backoff backoff) {
        public Options {
            if (concurrency < 1 || batchSize < 1) {
                throw new IllegalArgumentException("concurrency and batch size must be at least 1");
            }
        }
    }

    private final String name;
    private final DurableQueue<T> queue;
    private final Handler<T> handler;
    private final Options options;
    private final QueueEvents events;
    private final String workerId;
    private final Semaphore slots;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean closing;
    private Thread loop;

    public QueueWorker(String name, DurableQueue<T> queue, Handler<T> handler, Options options) {
        this(name, queue, handler, options, QueueEvents.NONE);
    }

    /** @param events told each attempt's result (metrics) */
    public QueueWorker(String name, DurableQueue<T> queue, Handler<T> handler, Options options, QueueEvents events) {
        this.events = events;
        this.name = name;
        this.queue = queue;
        this.handler = handler;
        this.options = options;
        this.workerId = name + ":" + UUID.randomUUID();
        this.slots = new Semaphore(options.concurrency());
    }

    public QueueWorker<T> start() {
        loop = Thread.ofVirtual().name(name + "-worker").start(this::run);
        return this;
    }

    /** Something may be due now: claim without waiting for the poll interval. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    public QueueStats stats() throws java.sql.SQLException {
        return queue.stats();
    }

    private void run() {
        long nextRecovery = 0;
        while (!closing) {
            try {
                if (System.nanoTime() - nextRecovery >= 0) {
                    int recovered = queue.recoverExpired(options.lease());
                    if (recovered > 0) {
                        log.warn("{}: {} rows whose worker stopped mid-attempt are back in line", name, recovered);
                    }
                    nextRecovery = System.nanoTime() + options.pollInterval().toNanos();
                }
                int free = slots.availablePermits();
                List<Claimed<T>> rows = free == 0 ? List.of() : queue.claim(Math.min(free, options.batchSize()), workerId);
                for (Claimed<T> row : rows) {
                    slots.acquireUninterruptibly();
                    Thread.ofVirtual().name(name + "-" + row.id()).start(() -> attempt(row));
                }
                if (rows.size() < Math.min(Math.max(free, 1), options.batchSize())) {
                    idle();
                }
            } catch (Exception e) {
                if (!closing) {
                    log.warn("{}: cannot claim rows ({}); retrying after the poll interval", name, e.getMessage());
                    idle();
                }
            }
        }
    }

    private void idle() {
        try {
            wakeups.tryAcquire(options.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            wakeups.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    private void attempt(Claimed<T> row) {
        try {
            Outcome outcome;
            try {
                outcome = handler.handle(row);
            } catch (Exception e) {
                outcome = Outcome.retryLater(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            outcome = outcome.redacted();
            switch (outcome) {
                case Outcome.Fail f -> log.warn("{}: row {} failed for good: {}", name, row.id(), f.reason());
                case Outcome.Retry r when row.attempts() >= row.maxAttempts() ->
                        log.warn("{}: row {} is dead after {} attempts: {}", name, row.id(), row.attempts(), r.reason());
                default -> { }
            }
            if (!queue.finish(row, outcome, options.backoff())) {
                log.warn("{}: row {} was taken over after its lease expired; this attempt's outcome is dropped", name, row.id());
            } else {
                events.finished(name, row.data() instanceof QueueEvents.Kinded k ? k.kind() : name,
                        QueueEvents.result(outcome, row.attempts(), row.maxAttempts()));
            }
        } catch (Exception e) {
            log.error("{}: cannot record the outcome of row {} ({}); its lease will put it back in line", name, row.id(), e.getMessage());
        } finally {
            slots.release();
            wake();
        }
    }

    /** Stops claiming and waits (bounded) for attempts in flight to record their outcome; releases the rest. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** {@link #close()} with the wait for attempts in flight bounded by {@code inFlight}; rows still held then are released. */
    void close(Duration inFlight) {
        closing = true;
        wake();
        try {
            if (loop != null) {
                loop.join(Duration.ofSeconds(5));
            }
            if (slots.tryAcquire(options.concurrency(), inFlight.toMillis(), TimeUnit.MILLISECONDS)) {
                slots.release(options.concurrency());
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int released = queue.releaseHeld(workerId);
            if (released > 0) {
                log.warn("{}: {} rows still in progress at shutdown were released for another instance", name, released);
            }
        } catch (java.sql.SQLException e) {
            log.warn("{}: cannot release the rows in progress ({}); their lease puts them back in line", name, e.getMessage());
        }
    }
}
