package dev.gatehouse.jobs;

import java.sql.SQLException;

/**
 * A queue as the service runs it: its table (always, for stats) and its worker (null when this
 * instance leaves the queue to others). What the email outbox and the job queue share.
 */
public record QueueRunner<T>(DurableQueue<T> queue, QueueWorker<T> worker) implements AutoCloseable {

    /** Starts a worker on {@code queue} when {@code enabled}. */
    public static <T> QueueRunner<T> start(boolean enabled, String name, DurableQueue<T> queue, QueueWorker.Handler<T> handler,
            QueueWorker.Options options) {
        return start(enabled, name, queue, handler, options, QueueEvents.NONE);
    }

    /** As {@link #start(boolean, String, DurableQueue, QueueWorker.Handler, QueueWorker.Options)}, telling {@code events} each attempt's result. */
    public static <T> QueueRunner<T> start(boolean enabled, String name, DurableQueue<T> queue, QueueWorker.Handler<T> handler,
            QueueWorker.Options options, QueueEvents events) {
        return new QueueRunner<>(queue, enabled ? new QueueWorker<>(name, queue, handler, options, events).start() : null);
    }

    /** A NOTIFY arrived (or the listener reconnected): claim now. */
    public void wake() {
        if (worker != null) {
            worker.wake();
        }
    }

    public QueueStats stats() throws SQLException {
        return queue.stats();
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
    }
}
