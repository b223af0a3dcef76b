package dev.gatehouse.auth;

import java.sql.SQLException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users' {@link UserStatus} from {@code auth.users}, remembered for {@link #DEFAULT_TTL_SECONDS} seconds per
 * user, so a session's requests cost a map lookup and the database sees at most one indexed read per user
 * and interval on each instance. The bound this buys: a user deleted, banned or made anonymous is refused by
 * every instance within that interval; AI admission refuses a deleted user at once regardless (its rows
 * reference {@code auth.users}).
 *
 * <p>An active user's status is read again ahead of its expiry: a request in the last
 * {@link #REFRESH_AHEAD_DIVISOR}th of the interval is answered from memory and starts one read in the
 * background (at most {@link #MAX_REFRESHES} at a time), so a steady session never waits for the database.
 * The bound holds as before: every answer was read at most the interval ago, since an entry expires an
 * interval after its read was sent, and a background read that fails changes nothing (the entry expires,
 * and the next request reads in line and fails closed if the database is still unreachable).
 */
public final class AuthUserStatuses implements UserStatusLookup, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuthUserStatuses.class);
    public static final int DEFAULT_TTL_SECONDS = 30;
    /** Refreshed in the background once less than a sixth of the interval (5 s of 30) is left. */
    static final int REFRESH_AHEAD_DIVISOR = 6;
    /** Background reads at one moment: a wave of users due together never takes more of the pool than this. */
    static final int MAX_REFRESHES = 4;
    /** About 10 MB at most; past it, expired entries go first, then everything. */
    static final int MAX_ENTRIES = 100_000;

    private record Entry(UserStatus status, long expiresAtNanos) {}

    private final UserStatusLookup database;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, CompletableFuture<Entry>> inFlight = new ConcurrentHashMap<>();
    private final Executor background;
    private final Semaphore refreshes = new Semaphore(MAX_REFRESHES);
    /** Users whose background read is queued or running: one at a time per user. */
    private final Set<UUID> refreshing = ConcurrentHashMap.newKeySet();

    /** The grouped reads {@link #database} goes through; null in tests that read from a function. */
    private final UserStatusReads reads;

    AuthUserStatuses(UserStatusLookup database, long ttlNanos, LongSupplier nanoTime, Executor background) {
        this(database, ttlNanos, nanoTime, background, null);
    }

    private AuthUserStatuses(UserStatusLookup database, long ttlNanos, LongSupplier nanoTime, Executor background, UserStatusReads reads) {
        this.reads = reads;
        this.database = database;
        this.ttlNanos = ttlNanos;
        this.nanoTime = nanoTime;
        this.background = background;
    }

    /** Statuses read from {@code db} through {@link UserStatusReads}' lane; {@link #close} stops it. */
    public static AuthUserStatuses of(DataSource db) {
        UserStatusReads reads = new UserStatusReads(db);
        return new AuthUserStatuses(reads::read, DEFAULT_TTL_SECONDS * 1_000_000_000L, System::nanoTime,
                task -> Thread.ofVirtual().name("user-status-refresh").start(task), reads);
    }

    @Override
    public UserStatus of(UUID userId) throws SQLException {
        long now = nanoTime.getAsLong();
        Entry e = entries.get(userId);
        if (e != null && now - e.expiresAtNanos() < 0) {
            if (e.expiresAtNanos() - now < ttlNanos / REFRESH_AHEAD_DIVISOR) {
                refreshAhead(userId);
            }
            return e.status();
        }
        return readAndRemember(userId, now);
    }

    /** Reads the status (sharing a read already in flight) and remembers it until an interval after that read was sent. */
    private UserStatus readAndRemember(UUID userId, long now) throws SQLException {
        Entry read = readOnce(userId);
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(old -> now - old.expiresAtNanos() >= 0);
            if (entries.size() > MAX_ENTRIES * 3 / 4) {
                entries.clear();
            }
        }
        // a read sent earlier that ends later (a background one, say) never replaces a fresher answer
        entries.merge(userId, read, (old, fresh) -> fresh.expiresAtNanos() - old.expiresAtNanos() >= 0 ? fresh : old);
        return read.status();
    }

    /** Starts one background read for the user unless one is already running or {@link #MAX_REFRESHES} are. */
    private void refreshAhead(UUID userId) {
        if (inFlight.containsKey(userId) || !refreshing.add(userId)) {
            return;
        }
        if (!refreshes.tryAcquire()) {
            refreshing.remove(userId);
            return;
        }
        Runnable done = () -> {
            refreshes.release();
            refreshing.remove(userId);
        };
        try {
            background.execute(() -> {
                try {
                    readAndRemember(userId, nanoTime.getAsLong());
                } catch (SQLException | RuntimeException e) {
                    log.debug("refreshing a user's status ahead of its expiry failed ({}); it expires as it stands", e.toString());
                } finally {
                    done.run();
                }
            });
        } catch (RejectedExecutionException e) {
            done.run();
        }
    }

    /**
     * One read per user at a time: callers that miss together (a user's first requests, thousands of
     * streams opened at once) share the one in flight instead of each taking a pooled connection.
     * A failed read fails every caller that shared it (fail closed).
     */
    private Entry readOnce(UUID userId) throws SQLException {
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> running = inFlight.putIfAbsent(userId, mine);
        if (running != null) {
            try {
                return running.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof SQLException sql ? sql : new SQLException("reading the user's status failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while reading the user's status", e);
            }
        }
        try {
            long sentAt = nanoTime.getAsLong();
            Entry read = new Entry(database.of(userId), sentAt + ttlNanos);
            mine.complete(read);
            return read;
        } catch (SQLException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(userId, mine);
        }
    }

    /** Stops the lane that reads from the database; reads from now on go alone. */
    @Override
    public void close() {
        if (reads != null) {
            reads.close();
        }
    }
}
