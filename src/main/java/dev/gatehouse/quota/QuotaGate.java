package dev.gatehouse.quota;

import dev.gatehouse.refusal.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits AI requests against the caller's plan and settles them afterwards without holding up the
 * caller's response. Requests, streams included, are admitted from per-instance quota leases
 * ({@link QuotaLeases}): one round trip per block of a user's requests (and stream slots), one
 * flush for everyone's settlements; when leases are off, every request is admitted one by one in
 * groups ({@link GroupAdmission}). With the database unreachable and no lease in hand, admission fails
 * closed with 503: an unmetered request is never let through.
 */
public final class QuotaGate implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuotaGate.class);
    /** No row when the user is gone: a deleted account's token must not read a fresh free-plan summary. */
    private static final String SUMMARY = """
            select s.* from private.ai_usage_summary(?) s
            where exists (select 1 from auth.users u where u.id = ? and u.deleted_at is null)""";
    private static final String SETTLE = "select private.ai_settle_many(?, ?, ?, ?, ?, ?, ?)";
    private static final String SWEEP = "select private.ai_sweep_expired()";
    private static final int MAX_BATCH = 500;
    private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long SETTLE_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** Admission groups in flight at once; each holds one pooled connection while it runs. */
    private static final int ADMISSION_LANES = 4;

    private final DataSource db;
    private final GroupAdmission groups;
    /** Null when leases are off: every request is then admitted and settled one by one. */
    private final QuotaLeases leases;
    private final StreamReleases streamReleases;
    private final long settleWindowNanos;
    private final QuotaEvents events;
    /** Each settlement with the System.nanoTime() it was queued at, for the settlement-lag metric. */
    private record Queued(Settlement settlement, long at) {}
    private final BlockingQueue<Queued> pending = new LinkedBlockingQueue<>();
    private volatile Thread settler;
    private volatile boolean closing;

    public QuotaGate(DataSource db) {
        this(db, QuotaEvents.NONE);
    }

    /** @param events told each admission, charge and settled batch (metrics) */
    public QuotaGate(DataSource db, QuotaEvents events) {
        this(db, events, true);
    }

    /** @param leasing false: no leases, every request admitted and settled one by one (GATEHOUSE_QUOTA_LEASES=off) */
    public QuotaGate(DataSource db, QuotaEvents events, boolean leasing) {
        this(db, events, ADMISSION_LANES, SETTLE_WINDOW_NANOS, leasing);
    }

    private QuotaGate(DataSource db, QuotaEvents events, int admissionLanes, long settleWindowNanos, boolean leasing) {
        this.db = db;
        this.events = events;
        this.groups = new GroupAdmission(db, admissionLanes);
        this.leases = leasing ? new QuotaLeases(db, events) : null;
        this.streamReleases = new StreamReleases(db);
        this.settleWindowNanos = settleWindowNanos;
        this.settler = startSettler();
    }

    /**
     * A gate with other admission lanes (0: each caller admitted alone, as before group admission)
     * and settlement window (0: a batch is what is queued at that moment), for benchmarks that
     * compare them. The service uses {@link #QuotaGate(DataSource)}.
     */
    public static QuotaGate tuned(DataSource db, int admissionLanes, java.time.Duration settleWindow) {
        return new QuotaGate(db, QuotaEvents.NONE, admissionLanes, settleWindow.toNanos(), false);
    }

    /** One admission request: who, what, and its worst-case size. */
    public record Ask(UUID requestId, UUID userId, UUID apiKeyId, String model, String task, boolean stream, int promptTokens, Integer requestedOutputTokens) {
        /** A request made with an access token (no API key), with a fresh request id. */
        public Ask(UUID userId, String model, String task, boolean stream, int promptTokens, Integer requestedOutputTokens) {
            this(UUID.randomUUID(), userId, null, model, task, stream, promptTokens, requestedOutputTokens);
        }
    }

    /** Admits or refuses {@code ask}, in a group with whatever admissions arrive at the same moment. */
    public Admission admit(Ask ask) {
        try {
            Admission result;
            if (leases == null) {
                result = groups.admit(ask);
            } else {
                result = leases.admit(ask);
            }
            switch (result) {
                case Admission.Admitted a -> events.admitted(a.limits().planId(), ask.model());
                case Admission.Rejected j -> events.rejected(j.limits().planId(), j.reason());
            }
            return result;
        } catch (SQLException e) {
            if (userGone(e)) {
                // Not an outage: the token outlived its user, whose rows reference auth.users. Nothing was written.
                throw userNotFound();
            }
            // Fail closed either way; the log says whether the database was unreachable or the call broke.
            log.error("admission failed ({}): {}", e.getSQLState(), e.getMessage());
            throw Refusal.unavailable("quota_unavailable", "Usage limits cannot be checked right now, so the request was not sent. Retry shortly.");
        }
    }

    /** A foreign key to {@code auth.users} refused the admission's insert: the user was deleted. */
    private static boolean userGone(SQLException e) {
        return "23503".equals(e.getSQLState()) && e instanceof org.postgresql.util.PSQLException p
                && p.getServerErrorMessage() != null && p.getServerErrorMessage().getConstraint() != null
                && p.getServerErrorMessage().getConstraint().endsWith("user_id_fkey");
    }

    private static Refusal userNotFound() {
        return Refusal.unauthorized("user_not_found", "The user this credential belongs to no longer exists. Sign in again.");
    }

    /**
     * The caller's plan and usage this period. The user's lease here is given back and everything of
     * theirs written first, so the figures are those of per-request admission (read-only, no lock).
     */
    public UsageSummary summary(UUID userId) {
        if (leases != null) {
            leases.giveBack(userId);
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(SUMMARY)) {
            ps.setObject(1, userId);
            ps.setObject(2, userId);
            return UsageSummary.read(ps).orElseThrow(QuotaGate::userNotFound);
        } catch (SQLException e) {
            log.error("usage summary failed ({}): {}", e.getSQLState(), e.getMessage());
            throw Refusal.unavailable("quota_unavailable", "Usage cannot be read right now. Retry shortly.");
        }
    }

    /**
     * Records the actual usage in the background, batched with others: one transaction settles many
     * requests. The caller never waits for it; the reservation already holds the request's limits.
     * After {@link #close} began, the settlement is written at once on the caller's thread instead:
     * a settlement is never accepted into a queue nobody will drain.
     */
    public void settleLater(Settlement s) {
        if (leases != null && leases.settle(s)) {
            return; // settled into its lease; the next flush writes its ledger row
        }
        if (closing) {
            settleIsolated(List.of(s));
            return;
        }
        pending.add(new Queued(s, System.nanoTime()));
        ensureSettler();
    }

    /** Records the actual usage now; false when the request was already settled. */
    public boolean settle(Settlement s) {
        if (leases != null && leases.settle(s)) {
            leases.flushNow();
            return true;
        }
        try {
            return settleBatch(List.of(s)) == 1;
        } catch (SQLException | RuntimeException e) {
            log.warn("settlement of request {} failed ({}); its reservation will be charged when it expires", s.requestId(), describe(e));
            return false;
        }
    }

    /**
     * Frees a finished stream's slot now, before its last event reaches the caller, so a client that
     * reads {@code [DONE]} and streams again is never refused for its own finished stream. The
     * settlement (tokens, ledger) still comes later, in a batch. Streams ending at the same moment
     * are freed in one statement ({@link StreamReleases}). A failure here is only logged: the
     * settlement frees the slot too.
     */
    public void releaseStream(UUID requestId) {
        if (leases != null && leases.releaseStream(requestId)) {
            return; // freed in its lease: no round trip
        }
        try {
            streamReleases.release(requestId);
        } catch (SQLException | RuntimeException e) {
            log.warn("could not free the stream slot of request {} early ({}); its settlement will", requestId, describe(e));
        }
    }

    /** Restarts the settler if it died: the queue must never grow with nobody draining it. */
    private void ensureSettler() {
        if (!settler.isAlive() && !closing) {
            synchronized (this) {
                if (!settler.isAlive() && !closing) {
                    log.error("the settler thread had stopped; restarting it ({} settlements queued)", pending.size());
                    settler = startSettler();
                }
            }
        }
    }

    private Thread startSettler() {
        return Thread.ofPlatform().daemon().name("quota-settler").start(this::settleContinuously);
    }

    /**
     * A plan changed on this instance (a billing webhook applied): every lease here is given back,
     * so each user's next request is admitted by Postgres against the plan now in force. A change
     * applied elsewhere reaches this instance's leases within {@link QuotaLeases#LIFE_NANOS} (3 s).
     */
    public void plansChanged() {
        if (leases != null) {
            leases.dropAll();
        }
    }

    /** Gives back every lease and writes what they hold now (tests and benchmarks; the flusher does it every 200 ms). */
    public void giveBackLeases() {
        if (leases != null) {
            leases.dropAll();
            leases.flushNow();
        }
    }

    /** The most users' lease takes one round trip has carried (0 with leases off). */
    int largestLeaseTakeGroup() {
        return leases == null ? 0 : leases.largestTakeGroup();
    }

    /** Who is told about admissions and charges (the edge reports what a finished request used). */
    public QuotaEvents events() {
        return events;
    }

    private void settleContinuously() {
        List<Queued> batch = new ArrayList<>(MAX_BATCH);
        long nextSweep = System.nanoTime() + SWEEP_EVERY_NANOS;
        while (!closing || !pending.isEmpty()) {
            try {
                if (System.nanoTime() - nextSweep >= 0) {
                    nextSweep = System.nanoTime() + SWEEP_EVERY_NANOS;
                    sweepExpired();
                }
                Queued first = pending.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                collectFor(batch, settleWindowNanos);
                settleIsolated(batch.stream().map(Queued::settlement).toList());
                events.settled(batch.size(), System.nanoTime() - first.at());
            } catch (InterruptedException e) {
                if (!closing) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (RuntimeException | Error e) {
                // Whatever broke, this loop keeps draining; what was in hand is settled row by row above.
                log.error("the settler hit an unexpected failure; it carries on", e);
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Settlement batched by time: what arrives within {@code windowNanos} of the first joins its
     * transaction, so at any rate the settler writes at most about 1 / window transactions a second.
     * Nobody waits for it: the reservation holds the request's limits meanwhile.
     */
    private void collectFor(List<Queued> batch, long windowNanos) throws InterruptedException {
        long end = System.nanoTime() + windowNanos;
        while (batch.size() < MAX_BATCH) {
            pending.drainTo(batch, MAX_BATCH - batch.size());
            long left = end - System.nanoTime();
            if (batch.size() >= MAX_BATCH || left <= 0 || closing) {
                return;
            }
            Queued next = pending.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            batch.add(next);
        }
    }

    /**
     * Settles a batch in one transaction, retried once; if it still fails, row by row, so one bad
     * settlement cannot take the others down. A row that fails alone is logged: its reservation is
     * charged in full, with a ledger row, when it expires (never an overrun).
     */
    private void settleIsolated(List<Settlement> batch) {
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                settleBatch(batch);
                return;
            } catch (SQLException | RuntimeException e) {
                if (batch.size() == 1 && attempt == 2) {
                    log.warn("settlement of request {} failed ({}); its reservation will be charged when it expires",
                            batch.getFirst().requestId(), describe(e));
                    return;
                }
            }
        }
        for (Settlement s : batch) {
            settleIsolated(List.of(s));
        }
    }

    private void sweepExpired() {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(SWEEP)) {
            ps.execute();
        } catch (SQLException | RuntimeException e) {
            log.warn("sweeping expired reservations failed ({}); the next admission of each user sweeps theirs", describe(e));
        }
    }

    private static String describe(Exception e) {
        return e instanceof SQLException sql ? sql.getSQLState() + ": " + sql.getMessage() : e.toString();
    }

    private int settleBatch(List<Settlement> batch) throws SQLException {
        int n = batch.size();
        Object[] ids = new Object[n];
        String[] outcomes = new String[n];
        Integer[] prompts = new Integer[n];
        Integer[] completions = new Integer[n];
        String[] deployments = new String[n];
        Integer[] latencies = new Integer[n];
        String[] sources = new String[n];
        for (int i = 0; i < n; i++) {
            Settlement s = batch.get(i);
            ids[i] = s.requestId();
            outcomes[i] = s.outcome();
            prompts[i] = s.promptTokens();
            completions[i] = s.completionTokens();
            deployments[i] = s.deployment();
            latencies[i] = s.latencyMs();
            sources[i] = s.usageSource();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(SETTLE)) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            ps.setArray(2, c.createArrayOf("text", outcomes));
            ps.setArray(3, c.createArrayOf("int4", prompts));
            ps.setArray(4, c.createArrayOf("int4", completions));
            ps.setArray(5, c.createArrayOf("text", deployments));
            ps.setArray(6, c.createArrayOf("int4", latencies));
            ps.setArray(7, c.createArrayOf("text", sources));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The leases (null when off), for this package's tests. */
    QuotaLeases leases() {
        return leases;
    }

    /** The most admissions one round trip has carried so far (group admission). */
    public int largestAdmissionGroup() {
        return groups.largestGroup();
    }

    /** The most stream releases one statement has carried so far. */
    public int largestStreamReleaseGroup() {
        return streamReleases.largestGroup();
    }

    /** Settlements waiting for the settler. */
    public int queued() {
        return pending.size() + (leases == null ? 0 : leases.unflushed());
    }

    /** Whether the background settler is alive (readiness fails when it is not). */
    public boolean settlerRunning() {
        return settler.isAlive();
    }

    /**
     * Settles everything still queued, then stops. Call it after the HTTP layer has drained (no
     * request in flight) and before the pool closes; anything settled after this is written at once.
     */
    @Override
    public void close() {
        groups.close();
        streamReleases.close();
        if (leases != null) {
            leases.close();
        }
        closing = true;
        try {
            settler.join(java.time.Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Settlement> left = new ArrayList<>();
        for (Queued q; (q = pending.poll()) != null; ) {
            left.add(q.settlement());
        }
        if (!left.isEmpty()) {
            settleIsolated(left); // the settler died or ran out of time: write them here rather than drop them
        }
    }
}
