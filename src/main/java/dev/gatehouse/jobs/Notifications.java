package dev.gatehouse.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening connection for every queue: {@code LISTEN}s on each subscribed channel and runs the
 * channel's callback on each NOTIFY. When the connection drops it reconnects with backoff, and after
 * every (re)connect it runs every callback once, since notifications sent while it was away are lost.
 * Workers poll as well, so a missing listener delays work but never loses it.
 *
 * <p>The connection must be a session (a direct connection or Supavisor's session mode): in
 * transaction mode LISTEN does not hold, and the workers fall back to polling.
 */
public final class Notifications implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifications.class);

    private final DataSource db;
    private final Map<String, Runnable> channels = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean connected;
    private Thread loop;

    public Notifications(DataSource db) {
        this.db = db;
    }

    /** Registers before {@link #start()}. */
    public Notifications on(String channel, Runnable callback) {
        if (!channel.matches("[a-z_]+")) {
            throw new IllegalArgumentException("channel names are plain identifiers: " + channel);
        }
        channels.put(channel, callback);
        return this;
    }

    public Notifications start() {
        loop = Thread.ofVirtual().name("pg-listen").start(this::run);
        return this;
    }

    public boolean connected() {
        return connected;
    }

    private void run() {
        long backoffMs = 250;
        while (closed.getCount() > 0) {
            try (Connection c = db.getConnection()) {
                try (Statement s = c.createStatement()) {
                    for (String channel : channels.keySet()) {
                        s.execute("listen " + channel);
                    }
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                connected = true;
                backoffMs = 250;
                channels.values().forEach(Runnable::run);
                while (closed.getCount() > 0) {
                    PGNotification[] batch = pg.getNotifications(1_000);
                    if (batch == null) {
                        continue;
                    }
                    for (PGNotification n : batch) {
                        Runnable callback = channels.get(n.getName());
                        if (callback != null) {
                            callback.run();
                        }
                    }
                }
            } catch (SQLException e) {
                if (closed.getCount() > 0) {
                    log.warn("listening connection lost ({}); reconnecting in {} ms, workers poll meanwhile", e.getMessage(), backoffMs);
                }
            } finally {
                connected = false;
            }
            try {
                if (closed.await(backoffMs, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoffMs = Math.min(backoffMs * 2, 10_000);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        if (loop != null) {
            try {
                loop.join(java.time.Duration.ofSeconds(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
