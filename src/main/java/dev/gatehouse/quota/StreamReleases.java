package dev.gatehouse.quota;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * Frees finished streams' slots like group commit: one lane takes every release waiting and frees
 * them in one statement, so a burst of streams ending together (thousands when an upstream finishes
 * a wave of trickling answers) costs Postgres one round trip per group and holds one pooled
 * connection, instead of one each, which starved admission of connections. Each caller still waits
 * for its own release, so its slot is free before its stream's last event reaches it.
 */
final class StreamReleases implements AutoCloseable {
    private static final String RELEASE = "update private.ai_reservations set is_stream = false where request_id = any(?) and is_stream";
    static final int MAX_GROUP = 1000;
    /** How long a caller waits; far above a healthy round trip. Past it the settlement frees the slot. */
    private static final long WAIT_SECONDS = 10;

    private record Waiting(UUID requestId, CompletableFuture<Void> done) {}

    private final DataSource db;
    private final BlockingQueue<Waiting> queue = new LinkedBlockingQueue<>();
    private final Thread lane;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();

    StreamReleases(DataSource db) {
        this.db = db;
        this.lane = Thread.ofPlatform().daemon().name("quota-stream-release").start(this::serve);
    }

    /** Frees {@code requestId}'s stream slot, in a group with whatever releases wait at the same moment. */
    void release(UUID requestId) throws SQLException {
        if (closed) {
            releaseNow(List.of(requestId));
            return;
        }
        Waiting w = new Waiting(requestId, new CompletableFuture<>());
        queue.add(w);
        if (closed && queue.remove(w)) {
            releaseNow(List.of(requestId));
            return;
        }
        try {
            w.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException sql ? sql : new SQLException("stream release failed", e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("no stream release answered within " + WAIT_SECONDS + " s", "08000");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while releasing a stream slot", "08000");
        }
    }

    private void serve() {
        List<Waiting> group = new ArrayList<>(MAX_GROUP);
        while (!closed) {
            try {
                group.add(queue.take());
                queue.drainTo(group, MAX_GROUP - 1);
                largest.accumulateAndGet(group.size(), Math::max);
                releaseNow(group.stream().map(Waiting::requestId).toList());
                group.forEach(w -> w.done().complete(null));
            } catch (InterruptedException e) {
                break;
            } catch (SQLException | RuntimeException e) {
                group.forEach(w -> w.done().completeExceptionally(e));
            } finally {
                group.clear();
            }
        }
    }

    private void releaseNow(List<UUID> ids) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(RELEASE)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /** The most releases one statement has carried so far. */
    int largestGroup() {
        return largest.get();
    }

    /** Stops the lane; releases from now on go alone, and the ones waiting are freed first. */
    @Override
    public void close() {
        closed = true;
        lane.interrupt();
        List<Waiting> left = new ArrayList<>();
        queue.drainTo(left);
        if (left.isEmpty()) {
            return;
        }
        try {
            releaseNow(left.stream().map(Waiting::requestId).toList());
            left.forEach(w -> w.done().complete(null));
        } catch (SQLException | RuntimeException e) {
            left.forEach(w -> w.done().completeExceptionally(e));
        }
    }
}
