package dev.gatehouse.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Statements grouped like group commit (quota admissions and lease takes, users' status reads): a few lanes each
 * take every item waiting at that moment (up to a group's size) and send them in one round trip
 * ({@code many}); an item that finds a lane idle goes alone ({@code one}). A group that fails for any reason
 * but an unreachable database is sent again one item at a time, so one caller's problem never fails the others.
 *
 * <p>A caller waits until its deadline: an item still queued then is withdrawn and fails closed; an item
 * already sent is always waited for, so what Postgres granted (a reservation, a lease) is never left without
 * its caller.
 */
public final class Grouped<T, R> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Grouped.class);
    /** A group slower than this (queue wait included) is logged, with where its time went. */
    private static final long SLOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int DEADLOCK_ATTEMPTS = 3;

    public interface One<T, R> {
        R send(T item) throws SQLException;
    }

    public interface Many<T, R> {
        /** One answer per item, in the items' order. */
        List<R> send(List<T> items) throws SQLException;
    }

    private record Waiting<T, R>(T item, long queuedAt, CompletableFuture<R> answer) {}

    private final String what;
    private final int maxGroup;
    private final One<T, R> one;
    private final Many<T, R> many;
    private final BlockingQueue<Waiting<T, R>> queue = new LinkedBlockingQueue<>();
    private final List<Thread> lanes = new ArrayList<>();
    private final AtomicInteger largest = new AtomicInteger();
    private volatile boolean closed;

    /** @param lanes how many groups may be in flight at once (each holds one pooled connection); 0: every item alone */
    public Grouped(String what, int lanes, int maxGroup, One<T, R> one, Many<T, R> many) {
        this.what = what;
        this.maxGroup = maxGroup;
        this.one = one;
        this.many = many;
        // Platform threads, as the flusher, the settler and the stream-release lane are: a lane that had sent
        // its statement and was a virtual thread waited, once Postgres answered, for a carrier behind every
        // runnable request on two cores; while 10,000 streams opened that was 1-6 s a group ("the statement
        // ... until its lane ran again") with Postgres idle, and the takes queued behind it passed their 10 s.
        // The OS wakes a platform thread when its socket has data, on its fair share of a core.
        for (int i = 0; i < lanes; i++) {
            this.lanes.add(Thread.ofPlatform().daemon().name(what.replace(' ', '-') + "-" + i).start(this::serve));
        }
    }

    /** Sends {@code item} in the next group; throws what the database threw, or {@code late}'s exception when no lane sent it by {@code deadline}. */
    public R send(T item, long deadline, Supplier<SQLException> late) throws SQLException {
        Pending<R> p = submit(item);
        try {
            try {
                return p.answer().get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (p.withdraw()) {
                    throw late.get();
                }
                return p.answer().get(); // already sent: its answer is on its way, and what it was granted must not be lost
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(what + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for " + what, "08000");
        }
    }

    /**
     * An item queued for the next group: its answer completes on the lane that sent it (so work chained to it
     * runs there, without waiting for the caller's thread to be scheduled), and {@link #withdraw} takes it back
     * while no lane has sent it.
     */
    public interface Pending<R> {
        CompletableFuture<R> answer();

        /** True when the item was still queued and now never will be sent; false when a lane sent it (or it went alone). */
        boolean withdraw();
    }

    /** Queues {@code item} for the next group without waiting; closed (or without lanes), it is sent alone at once, on this thread. */
    public Pending<R> submit(T item) {
        Waiting<T, R> w = new Waiting<>(item, System.nanoTime(), new CompletableFuture<>());
        // Withdrawing takes it out of the queue; one sent alone was never in it, so it is never withdrawn.
        Pending<R> pending = new Pending<>() {
            public CompletableFuture<R> answer() {
                return w.answer();
            }

            public boolean withdraw() {
                return queue.remove(w);
            }
        };
        if (!closed && !lanes.isEmpty()) {
            queue.add(w);
            if (!closed || !queue.remove(w)) { // closed while queueing: no lane will send it, unless close() already took it
                return pending;
            }
        }
        try {
            w.answer().complete(alone(item));
        } catch (SQLException | RuntimeException e) {
            w.answer().completeExceptionally(e);
        }
        return pending;
    }

    private void serve() {
        List<Waiting<T, R>> group = new ArrayList<>(maxGroup);
        while (!closed) {
            try {
                group.add(queue.take());
                queue.drainTo(group, maxGroup - 1);
                sendGroup(group);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                log.error("a {} lane hit an unexpected failure; it carries on", what, e);
            } finally {
                for (Waiting<T, R> w : group) {
                    // Only those a failure left unanswered: an exception each (stack trace filled) for every
                    // answered caller was a per-request cost.
                    if (!w.answer().isDone()) {
                        w.answer().completeExceptionally(new SQLTransientConnectionException(what + " lane failed"));
                    }
                }
                group.clear();
            }
        }
    }

    private void sendGroup(List<Waiting<T, R>> group) {
        long sent = System.nanoTime();
        largest.accumulateAndGet(group.size(), Math::max);
        try {
            if (group.size() > 1) {
                try {
                    List<R> answers = many.send(group.stream().map(Waiting::item).toList());
                    for (int i = 0; i < group.size(); i++) {
                        group.get(i).answer().complete(answers.get(i));
                    }
                    return;
                } catch (SQLException e) {
                    if (unreachable(e)) {
                        group.forEach(w -> w.answer().completeExceptionally(e));
                        return;
                    }
                    log.debug("a group of {} ({}) failed ({}: {}); sending them one by one", group.size(), what, e.getSQLState(), e.getMessage());
                }
            }
            for (Waiting<T, R> w : group) {
                try {
                    w.answer().complete(alone(w.item()));
                } catch (SQLException | RuntimeException e) {
                    w.answer().completeExceptionally(e);
                }
            }
        } finally {
            long done = System.nanoTime();
            long queued = sent - group.getFirst().queuedAt();
            if (done - sent + queued > SLOW_NANOS) {
                log.warn("a group of {} ({}) took {} ms: the oldest waited {} ms for a lane, the statement {} ms (until its lane ran again)",
                        group.size(), what, TimeUnit.NANOSECONDS.toMillis(done - sent + queued), TimeUnit.NANOSECONDS.toMillis(queued),
                        TimeUnit.NANOSECONDS.toMillis(done - sent));
            }
        }
    }

    /**
     * {@code item} in a statement of its own, run again (at most {@link #DEADLOCK_ATTEMPTS} times in all) when
     * Postgres chose it as a deadlock's victim (40P01): the victim's transaction was rolled back whole, so running
     * it again cannot count anything twice. Row locks are taken in (user, period) order everywhere, but a period
     * row created by one transaction while another is about to create the same one can still close a cycle now
     * and then (the seeded two-instance test met one); a retry is what Postgres' documentation advises. A group
     * that was a victim is already sent again item by item.
     */
    private R alone(T item) throws SQLException {
        for (int n = 1; ; n++) {
            try {
                return one.send(item);
            } catch (SQLException e) {
                if (!"40P01".equals(e.getSQLState()) || n >= DEADLOCK_ATTEMPTS) {
                    throw e;
                }
                log.debug("a {} was a deadlock's victim (attempt {}); running it again", what, n);
            }
        }
    }

    /** No connection, or it broke: every retry would wait for the pool again, so the whole group fails closed now. */
    private static boolean unreachable(SQLException e) {
        return e instanceof SQLTransientConnectionException || (e.getSQLState() != null && e.getSQLState().startsWith("08"));
    }

    /** The most items one round trip has carried so far. */
    public int largestGroup() {
        return largest.get();
    }

    /** Stops the lanes; items from now on go alone. Waiting items are sent first. */
    @Override
    public void close() {
        closed = true;
        lanes.forEach(Thread::interrupt);
        List<Waiting<T, R>> left = new ArrayList<>();
        queue.drainTo(left);
        if (!left.isEmpty()) {
            sendGroup(left);
        }
    }
}
