package dev.gatehouse.quota;

import dev.gatehouse.db.Grouped;
import dev.gatehouse.quota.QuotaGate.Ask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-instance quota leases (migration 20261204200000). The first request of a user takes, in one
 * round trip ({@code private.ai_lease}), a block of that user's allowance: requests, rate-bucket
 * tokens and quota tokens, all counted in Postgres at once, so the sum over every instance can
 * never pass a limit. The user's next requests are admitted here against the block, exactly, under
 * the user's lock; their settlements go back to the block (unused tokens return to it), and one
 * statement every {@link #FLUSH_EVERY_MILLIS} ms writes every settled request's ledger row
 * ({@code private.ai_flush_leases}); a lease's counters (admitted, refunded, charged, given back)
 * are written when it retires (used up, or {@link #LIFE_NANOS} old) or is closed, every
 * {@link #LIFE_NANOS} while it lives, and by the next lease of its user, since until then they
 * only move tokens from reserved to used.
 *
 * <p>Rules that keep it exact: a block admits for at most {@link #LIFE_NANOS} after it was taken,
 * or after a check (migrations 20261208100100 and 20261209100000, {@link #checkBusy}) sent then found
 * its row, plan and period unchanged, so the plan it carries is never older than that; it admits no
 * more than it took plus what its checks added, each grant counted in Postgres as a take's extras
 * are; a request the block cannot cover in full goes to
 * Postgres, which first takes back what the block holds free and then decides exactly as
 * {@code private.ai_admit} does, so near a limit the lease is that one request and single-instance
 * refusals, figures and shrunk outputs are those of per-request admission. A flush that fails
 * changes nothing here: what it carried stays reserved in Postgres and is sent again (figures are
 * cumulative, ledger rows keyed by request id), until it succeeds or the lease expires.
 *
 * <p>Streams (migration 20261206200000): a lease also takes stream slots, counted against the
 * plan's concurrent-stream limit in Postgres ({@code private.ai_streams_held}) when it is taken. A
 * stream admitted from the lease holds one until it ends ({@link #releaseStream}); a freed slot can
 * be reused here at once, and is given back at the lease's next check ({@link #checkBusy}: every
 * slot then free) or when it retires (or, for a retired lease, by the next flush), so another
 * instance can use it within {@link #LIFE_NANOS} plus one flush (3.2 s). Each extra a lease takes,
 * or a check grants, is at most half of what its user has left.
 */
final class QuotaLeases implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuotaLeases.class);
    private static final String FLUSH = "select private.ai_flush_leases(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /**
     * How long a block may admit after it was taken, or after {@link LeaseChecks} last found its plan
     * unchanged (a check sent then): the bound on a plan change made elsewhere.
     */
    static final long LIFE_NANOS = TimeUnit.SECONDS.toNanos(3);
    /**
     * A busy block is checked when its life has less than this left, or when at its pace it would run out within
     * this; the flusher runs every 200 ms, so it has a few tries.
     */
    static final long CHECK_BEFORE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long FLUSH_EVERY_MILLIS = 200;
    /** A lease nobody flushed for this long is renewed anyway, far inside the reservation TTL (15 minutes). */
    private static final long HEARTBEAT_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * A user's first lease is one request: a user who sends one request costs Postgres what
     * per-request admission did and holds nothing back; each next lease is twice what the last
     * one admitted, up to {@link #MAX_BLOCK} for a user who streams; for one who does not, 2 to 8
     * times, by how fast the last one was used, up to {@link #MAX_REQUEST_BLOCK}, which is also the
     * most a check adds to a lease at once.
     */
    static final int FIRST_BLOCK = 1;
    static final int MAX_BLOCK = 64;
    /**
     * A user sending 1,000 requests a second used up 64-request leases in 64 ms, before any check could
     * grow them, and every 64th request (and those behind it) waited for a take: 6.5 % of its requests at
     * 1,000 req/s (bench/README.md, session 24). Limits are unaffected: each extra is still at most half of
     * what the user has left, so near a limit or under a low per-minute rate a lease stays small.
     */
    static final int MAX_REQUEST_BLOCK = 1024;
    /** private.ai_reservation_ttl(): a settlement later than this is lost. */
    private static final long LOST_AFTER_NANOS = TimeUnit.MINUTES.toNanos(15);
    /**
     * How long a request waits for its lease to be taken (in a group, {@link LeaseTakes}) before it fails
     * closed (503): far above any healthy take.
     */
    static final long TAKE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Set<String> OUTCOMES = Set.of("completed", "cut_by_caller", "failed_after_first_byte", "failed");

    /** The plan rules a lease carries, checked against each request it admits (and by {@link LeaseChecks} against the plan in force). */
    record Rules(String planId, int rpm, Integer requestsLimit, Long tokensLimit, int maxOutputTokens,
            Set<String> models, Set<String> tasks, boolean rawChat) {}

    /** A request admitted from a block: what it holds, what its ledger row needs, and when (System.nanoTime()). */
    private record Held(LeaseBlock block, long reserved, UUID apiKeyId, String model, String task, long at, boolean stream) {}

    private final DataSource db;
    private final Map<UUID, LeaseUser> users = new ConcurrentHashMap<>();
    private final Map<UUID, Held> admitted = new ConcurrentHashMap<>();
    /** Streams admitted from a lease whose slot is not yet free. */
    private final Set<UUID> streaming = ConcurrentHashMap.newKeySet();
    private final LeaseTakes takes;
    private final AtomicLong takesAnswered = new AtomicLong();
    /** Requests checks have added to leases so far. */
    private final AtomicLong grown = new AtomicLong();
    private final ReentrantLock flushing = new ReentrantLock();
    private final QuotaEvents events;
    private final Thread flusher;
    private volatile boolean closed;

    QuotaLeases(DataSource db, QuotaEvents events) {
        this.db = db;
        this.events = events;
        this.takes = new LeaseTakes(db);
        this.flusher = Thread.ofPlatform().daemon().name("quota-lease-flusher").start(this::flushContinuously);
    }

    /**
     * Admits {@code ask} (a stream too) from the user's lease, or takes a new lease for it. The take
     * runs outside the user's lock (their settlements, stream ends and the flusher never wait on its
     * round trip); the user's other requests meanwhile queue for that lease instead of taking their
     * own, and the next lease is sized for them.
     *
     * <p>When the lease arrives, the lane that took it (a platform thread) admits the queued requests it
     * covers, in order, and sends the next take, sized for the rest, itself: each queued request wakes once,
     * with its answer. Session 28 had the request's thread that took the lease do this, and the next take was
     * sent by the request it was handed to; each of those steps waited for a carrier thread, seconds apiece
     * while 10,000 streams opened on two cores, and 21-252 requests a run still passed their 10 s with no
     * slow take (bench/README.md, session 29). Before session 28, every queued request was woken to look for
     * itself: with 10,000 streams opening on two cores, the dozens of one user's requests woke one
     * after another through the user's lock, each waiting for a carrier thread, and a burst's
     * requests waited 10-24 s for their turn, past the take's 10 s (bench/README.md, session 28).
     */
    Admission admit(Ask ask) throws SQLException {
        long start = System.nanoTime();
        long deadline = start + TAKE_WAIT_NANOS;
        while (true) {
            LeaseUser u = users.computeIfAbsent(ask.userId(), LeaseUser::new);
            LeaseUser.Queued q = new LeaseUser.Queued(ask);
            boolean send;
            synchronized (u) {
                if (u.gone) {
                    continue; // removed by a flush meanwhile: take the fresh one
                }
                long now = System.nanoTime();
                u.lastAsked = now;
                Admission a = fromLease(u, ask, now);
                if (a != null) {
                    return a;
                }
                send = !u.taking;
                if (send) {
                    q.take = prepareTake(u, ask);
                } else {
                    u.queue.add(q);
                }
            }
            if (send) {
                send(u, q); // outside the user's lock, as the lane finishing a take does
            }
            try {
                return await(u, q, deadline);
            } finally {
                events.leaseWaited(System.nanoTime() - start);
            }
        }
    }

    /**
     * The user's lock is held: admits {@code ask} from the current lease (or refuses it by the lease's plan
     * rules); null when the lease cannot cover it and a take is needed.
     */
    private Admission fromLease(LeaseUser u, Ask ask, long now) {
        LeaseBlock b = u.current;
        if (b != null && (b.outlived(now) || !Instant.now().isBefore(b.periodEnd))) {
            u.retireCurrent();
            b = null;
        }
        if (b == null) {
            return null;
        }
        Admission.Reason refused = ruleRefusal(b.rules, ask);
        if (refused != null) {
            return new Admission.Rejected(refused, 0, view(b, now));
        }
        int output = output(b.rules, ask);
        long need = (long) Math.max(ask.promptTokens(), 0) + output;
        if (b.freeRequests() < 1 || b.freeTokens() < need || (ask.stream() && b.freeStreams() < 1)) {
            return null;
        }
        b.used++;
        b.inflight += need;
        if (ask.stream()) {
            b.streamsUsed++;
            b.streamsActive++;
            streaming.add(ask.requestId());
        }
        admitted.put(ask.requestId(), new Held(b, need, ask.apiKeyId(), ask.model(), ask.task(), now, ask.stream()));
        return new Admission.Admitted(ask.requestId(), output, view(b, now));
    }

    /**
     * Waits until {@code deadline} for {@code q}'s answer: from the take in flight (queued behind it), or from
     * its own take. Still queued at its deadline, it leaves the queue and fails closed; its own take still
     * waiting for the lane is withdrawn and fails closed (and the user's queue is served); a take already sent
     * is always waited for, so a lease Postgres granted is never left without its request.
     */
    private Admission await(LeaseUser u, LeaseUser.Queued q, long deadline) throws SQLException {
        while (true) {
            try {
                return q.answer.get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                giveUp(u, q, () -> late("the user's lease take in flight did not cover this request"), () -> late("the take was still queued for a lane"));
                // answered now, or its take is sent (its answer is on its way), or handed to it and about to be sent
                deadline = q.sent != null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                giveUp(u, q, QuotaLeases::interrupted, QuotaLeases::interrupted);
                try {
                    return q.answer.join(); // sent (or about to be): what it is granted is never left without its request
                } catch (CompletionException c) {
                    throw failed(c.getCause());
                }
            } catch (ExecutionException e) {
                throw failed(e.getCause());
            }
        }
    }

    /**
     * {@code q} stops waiting: throws {@code queued} when it was still queued behind the take in flight (it leaves
     * the queue), and fails its own take with {@code unsent} when that take was still waiting for the lane (it is
     * withdrawn, and the user's queue is served). A take already sent is left to answer.
     */
    private void giveUp(LeaseUser u, LeaseUser.Queued q, Supplier<SQLException> queued, Supplier<SQLException> unsent) throws SQLException {
        synchronized (u) {
            if (u.queue.remove(q)) {
                throw queued.get();
            }
        }
        Grouped.Pending<LeaseTakes.Answer> sent = q.sent;
        if (sent != null && sent.withdraw()) {
            finish(u, q, null, unsent.get());
        }
    }

    private static SQLException interrupted() {
        return new SQLException("interrupted while waiting for a quota lease", "08000");
    }

    private static SQLException failed(Throwable cause) {
        if (cause instanceof SQLException sql) {
            return sql;
        }
        throw new IllegalStateException("a quota lease take failed", cause);
    }

    /** A request that got no lease within {@link #TAKE_WAIT_NANOS}, failed closed (08000), saying which wait ran out. */
    static SQLException late(String why) {
        return new SQLException("no quota lease within " + TimeUnit.NANOSECONDS.toSeconds(TAKE_WAIT_NANOS) + " s: " + why, "08000");
    }

    /**
     * The user's lock is held and no take is in flight: answers the queued requests the current lease covers (or
     * its rules refuse), in order, and prepares the next take for the first one it does not cover; returns that
     * one, for the caller to {@link #send} once the lock is released, or null.
     */
    private LeaseUser.Queued serveQueue(LeaseUser u) {
        long now = System.nanoTime();
        while (!u.queue.isEmpty()) {
            LeaseUser.Queued q = u.queue.removeFirst();
            Admission a = fromLease(u, q.ask, now);
            if (a == null) {
                q.take = prepareTake(u, q.ask);
                return q;
            }
            q.answer.complete(a);
        }
        return null;
    }

    /** What a take sends: the user's older leases' figures (read under the lock) and the size asked. */
    record Taking(UUID leaseId, int block, int streams, List<LeaseBlock.Figures> old) {}

    /** The user's lock is held: retires the current block and reads what the take sends. */
    private static Taking prepareTake(LeaseUser u, Ask ask) {
        u.retireCurrent();
        u.taking = true;
        // Every lease of the user here whose figures Postgres has not confirmed yet: what they hold
        // free is given back before this request is decided, so this instance's own leases never
        // refuse its user. Leases already confirmed are not rewritten: a user with many streams
        // open has as many draining leases, and each take rewrote them all.
        List<LeaseBlock.Figures> old = u.draining.stream().filter(b -> b.fingerprint() != b.confirmed).map(LeaseBlock::figures).toList();
        // sized for the requests already waiting too: a burst takes a few leases, not one each
        int demand = u.queue.size() + 1;
        int streams = ask.stream() || u.nextStreams > 0 ? Math.clamp(Math.max(u.nextStreams, demand), 1, MAX_BLOCK) : 0;
        int block = Math.clamp(Math.max(Math.max(u.nextBlock, demand), streams), 1, streams > 0 ? MAX_BLOCK : MAX_REQUEST_BLOCK);
        return new Taking(UUID.randomUUID(), block, streams, old);
    }

    /** Lease takes Postgres has answered so far (admitted or not). */
    long takes() {
        return takesAnswered.get();
    }

    /** Requests checks have added to busy leases so far ({@link #checkBusy}). */
    long grown() {
        return grown.get();
    }

    /** The most lease takes one round trip has carried so far. */
    int largestTakeGroup() {
        return takes.largestGroup();
    }

    /**
     * Outside the user's lock: queues {@code q}'s prepared take for the lane, in a group with the other users'
     * takes waiting then; {@link #finish} runs where its answer arrives.
     */
    private void send(LeaseUser u, LeaseUser.Queued q) {
        Taking t = q.take;
        List<LeaseTakes.Old> old = t.old().stream().map(f -> new LeaseTakes.Old(f.block().id, f.used(), f.returned(), f.tokensReturned(),
                f.streamsReturned(), f.refunded(), f.charged())).toList();
        Grouped.Pending<LeaseTakes.Answer> sent = takes.submit(new LeaseTakes.Ask1(q.ask, t.leaseId(), t.block(), t.streams(), old));
        q.sent = sent;
        sent.answer().whenComplete((answer, failure) -> finish(u, q, answer, failure));
    }

    /**
     * {@code q}'s take is over: Postgres' {@code answer}, or the {@code failure} (a take withdrawn unsent, or the
     * database's error). Installs the lease, answers {@code q}, serves the user's queue from the lease and sends
     * the next take. Runs on the lane that sent the take, or on {@code q}'s thread for a take it withdrew.
     */
    private void finish(LeaseUser u, LeaseUser.Queued q, LeaseTakes.Answer answer, Throwable failure) {
        Taking t = q.take;
        Admission result = null;
        Throwable error = failure;
        LeaseUser.Queued next;
        synchronized (u) {
            try {
                if (answer != null) {
                    takesAnswered.incrementAndGet();
                    long now = System.nanoTime();
                    for (LeaseBlock.Figures f : t.old()) { // the old leases' figures are Postgres' now (and their rows renewed)
                        LeaseBlock b = f.block();
                        if (b.fingerprint() == f.fingerprint()) {
                            b.confirmed = f.fingerprint();
                            b.confirmedAt = now;
                        }
                    }
                    result = installed(u, q.ask, t, answer);
                }
            } catch (RuntimeException e) {
                error = e;
            } finally {
                u.taking = false;
                next = serveQueue(u);
            }
        }
        if (error != null) {
            q.answer.completeExceptionally(error);
        } else {
            q.answer.complete(result);
        }
        if (next != null) {
            send(u, next);
        }
    }

    /** The user's lock is held: the admission Postgres' answer gives {@code ask}, its lease installed as the user's current one. */
    private Admission installed(LeaseUser u, Ask ask, Taking t, LeaseTakes.Answer a) {
        if (!a.admitted()) {
            return new Admission.Rejected(Admission.Reason.of(a.reason()), a.retryAfterSeconds(), a.limits());
        }
        long need = (long) Math.max(ask.promptTokens(), 0) + a.grantedOutputTokens();
        LeaseBlock taken = new LeaseBlock(t.leaseId(), u, a, need, ask.stream(), System.nanoTime());
        if (u.current != null) {
            u.retireCurrent(); // never the case today (one take at a time); kept exact if it were
        }
        u.current = taken;
        if (ask.stream()) {
            streaming.add(ask.requestId());
        }
        admitted.put(ask.requestId(), new Held(taken, taken.inflight, ask.apiKeyId(), ask.model(), ask.task(), taken.takenAt, ask.stream()));
        return new Admission.Admitted(ask.requestId(), a.grantedOutputTokens(), a.limits());
    }

    private static Admission.Reason ruleRefusal(Rules r, Ask ask) {
        if (ask.task() == null && !r.rawChat()) {
            return Admission.Reason.RAW_CHAT_NOT_ALLOWED;
        }
        if (ask.task() != null && !r.tasks().contains(ask.task())) {
            return Admission.Reason.TASK_NOT_ALLOWED;
        }
        if (!r.models().contains(ask.model())) {
            return Admission.Reason.MODEL_NOT_ALLOWED;
        }
        return null;
    }

    private static int output(Rules r, Ask ask) {
        int requested = ask.requestedOutputTokens() == null ? r.maxOutputTokens() : ask.requestedOutputTokens();
        return Math.min(Math.max(requested, 1), r.maxOutputTokens());
    }

    /**
     * The figures per-request admission would have answered: the bucket as Postgres left it after
     * the block's first request, refilled since, less the block's later requests; the counts
     * likewise. Exact on one instance; another instance's requests show at the next lease.
     */
    private static Limits view(LeaseBlock b, long now) {
        Rules r = b.rules;
        double rate = r.rpm() / 60.0;
        double bucket = Math.min(r.rpm(), b.bucketAfterFirst + (now - b.takenAt) / 1e9 * rate) - (b.used - 1);
        return new Limits(r.planId(), r.rpm(), (int) Math.floor(bucket), (r.rpm() - bucket) / rate, b.periodStart, b.periodEnd,
                r.requestsLimit(), b.requestsUsedAfterFirst + b.used - 1, r.tokensLimit(),
                b.tokensUsedAfterFirst - b.firstNeed + b.charged + b.inflight);
    }

    /** Settles a request this instance admitted from a lease; false when it was not one (or already settled). */
    boolean settle(Settlement s) {
        Held h = admitted.remove(s.requestId());
        if (h == null) {
            return false;
        }
        LeaseBlock b = h.block();
        if (!OUTCOMES.contains(s.outcome())) {
            if (!"lost".equals(s.outcome())) {
                log.warn("settlement of request {} has an unknown outcome ({}); its reservation is charged in full, as an expired one is",
                    s.requestId(), s.outcome());
            }
            s = new Settlement(s.requestId(), "expired", 0, (int) Math.min(h.reserved(), Integer.MAX_VALUE), null, s.latencyMs(), "none");
        }
        synchronized (b.user) {
            if (h.stream() && streaming.remove(s.requestId())) {
                endStream(b); // its slot was not freed early: it is now
            }
            b.inflight -= h.reserved();
            boolean failed = "failed".equals(s.outcome());
            b.charged += failed ? 0 : (long) s.promptTokens() + s.completionTokens();
            b.refunded += failed ? 1 : 0;
            b.ledger.add(new LeaseBlock.Ledger(s.requestId(), h.apiKeyId(), h.model(), h.task(), s));
            if (b.retired || b.freeRequests() == 0) {
                b.giveBackFree(); // it admits nothing more: its free tokens are nobody's
            }
        }
        return true;
    }

    /** Whether this instance admitted {@code requestId} from a lease and has not settled it yet. */
    boolean holds(UUID requestId) {
        return admitted.containsKey(requestId);
    }

    /**
     * Frees the slot of a stream this instance admitted from a lease, before its last event reaches
     * the caller: this instance can admit the user's next stream in it at once; a retired lease
     * gives it back at the next flush, a live one when it retires (at most {@link #LIFE_NANOS}
     * later). False when the stream was not admitted from a lease here (or its slot is free already).
     */
    boolean releaseStream(UUID requestId) {
        Held h = admitted.get(requestId);
        if (h == null || !h.stream()) {
            return false;
        }
        synchronized (h.block().user) {
            if (streaming.remove(requestId)) {
                endStream(h.block());
            }
        }
        return true;
    }

    /** The user's lock is held. */
    private static void endStream(LeaseBlock b) {
        b.streamsActive--;
        if (b.retired) {
            b.giveBackFree();
        }
    }

    /** Retires every lease (plan changes applied here): each user's next request asks Postgres again. */
    void dropAll() {
        for (LeaseUser u : users.values()) {
            synchronized (u) {
                u.retireCurrent();
            }
        }
    }

    /** Retires the user's lease and writes everything of theirs now, so Postgres holds exact figures. */
    void giveBack(UUID userId) {
        LeaseUser u = users.get(userId);
        if (u != null) {
            synchronized (u) {
                u.retireCurrent();
            }
        }
        flushNow();
    }

    /** Ledger rows waiting for the next flush. */
    int unflushed() {
        int n = 0;
        for (LeaseUser u : users.values()) {
            synchronized (u) {
                for (LeaseBlock b : u.blocks()) {
                    n += b.ledger.size();
                }
            }
        }
        return n;
    }

    private void flushContinuously() {
        long nextLostCheck = System.nanoTime() + HEARTBEAT_NANOS;
        while (!closed) {
            try {
                Thread.sleep(FLUSH_EVERY_MILLIS);
                if (System.nanoTime() - nextLostCheck >= 0) {
                    nextLostCheck = System.nanoTime() + HEARTBEAT_NANOS;
                    chargeLost(System.nanoTime());
                }
                flushNow();
                checkBusy();
            } catch (InterruptedException e) {
                if (!closed) {
                    Thread.currentThread().interrupt();
                }
                return;
            } catch (RuntimeException | Error e) {
                log.error("the lease flusher hit an unexpected failure; it carries on", e);
            }
        }
    }

    /**
     * A leased request whose settlement never came within the reservation TTL (the service ends
     * every request well before it) is charged its reservation in full with an {@code expired}
     * ledger row, as a lost per-request reservation is; until then its lease holds it reserved.
     */
    void chargeLost(long now) {
        for (Map.Entry<UUID, Held> e : admitted.entrySet()) {
            if (now - e.getValue().at() > LOST_AFTER_NANOS) {
                log.warn("leased request {} was never settled; it is charged its reservation in full", e.getKey());
                settle(new Settlement(e.getKey(), "lost", 0, 0, null, 0, "none"));
            }
        }
    }

    /**
     * Checks every busy block whose life ends, or which at its pace runs out, within {@link #CHECK_BEFORE_NANOS} (one
     * round trip, {@link LeaseChecks}): a block whose row still exists and whose plan, rules and period are those in
     * force admits for another {@link #LIFE_NANOS} from when the check was sent; any other retires now. A block that at
     * the rate it has been admitting would run out before its next check asks, in the same round trip, for more
     * ({@link #growth}), which Postgres counts then as it counts a take. So a user sending requests steadily takes a
     * lease once, instead of every 3 s or every 64 requests with a request waiting for it each time. A block holding
     * stream slots gives back every slot it holds free when the check is sent (they are no longer its to admit in), so a
     * slot a stream freed is free for the user's other instances by the block's next check or retirement, within 3 s,
     * and asks for the slots its pace needs, granted in Postgres at most half of what the user has left. A check that
     * fails extends nothing (slots given back are written by the next flush), and a grant whose answer was lost stays
     * reserved until the lease closes.
     */
    void checkBusy() {
        long sentAt = System.nanoTime();
        List<LeaseBlock> due = new ArrayList<>();
        List<int[]> usedThen = new ArrayList<>();
        List<LeaseChecks.Check> checks = new ArrayList<>();
        for (LeaseUser u : users.values()) {
            synchronized (u) {
                LeaseBlock b = u.current;
                if (b == null || b.used <= b.usedAtCheck || b.freeRequests() <= 0 || b.outlived(sentAt)) {
                    continue; // none, idle since its last check (it retires at its life), used up, or past its life
                }
                double requestPace = perLife(b.used - b.usedAtCheck, b, sentAt);
                double streamPace = perLife(b.streamsUsed - b.streamsUsedAtCheck, b, sentAt);
                if (!b.outlived(sentAt + CHECK_BEFORE_NANOS) && !runsOutSoon(b.freeRequests(), requestPace)
                        && !(b.streams > 0 && runsOutSoon(b.freeStreams(), streamPace))) {
                    continue;
                }
                int extra = growth(b, requestPace);
                int extraStreams = 0;
                if (b.streams > 0) {
                    b.streamsReturned += Math.max(b.freeStreams(), 0);
                    extraStreams = (int) Math.min((long) Math.ceil(2 * streamPace), MAX_BLOCK);
                }
                due.add(b);
                usedThen.add(new int[] {b.used, b.streamsUsed});
                checks.add(new LeaseChecks.Check(b.id, u.id, extra, extra * Math.max(b.firstNeed, 1), extraStreams, b.streamsReturned));
            }
        }
        if (due.isEmpty()) {
            return;
        }
        List<LeaseChecks.Answer> answers;
        try {
            answers = LeaseChecks.run(db, checks);
        } catch (SQLException | RuntimeException e) {
            log.debug("checking {} busy quota leases failed ({}); they retire at their life", due.size(), e.toString());
            return;
        }
        for (int i = 0; i < due.size(); i++) {
            LeaseBlock b = due.get(i);
            LeaseChecks.Answer a = answers.get(i);
            synchronized (b.user) {
                b.requests += a.granted(); // the lease's now, whatever follows: Postgres counted it
                b.tokens += a.grantedTokens();
                b.streams += a.grantedStreams();
                grown.addAndGet(a.granted());
                if (a.granted() > 0) {
                    events.leaseGrown(a.granted());
                }
                if (b.retired) {
                    b.giveBackFree(); // its life ran out meanwhile, or it was dropped: a grant is given back with the rest
                    continue;
                }
                if (a.held() && b.rules.equals(a.rules()) && b.periodStart.equals(a.periodStart()) && b.periodEnd.equals(a.periodEnd())) {
                    b.checkedAt = sentAt;
                    b.usedAtCheck = usedThen.get(i)[0];
                    b.streamsUsedAtCheck = usedThen.get(i)[1];
                } else {
                    b.user.retireCurrent(); // its plan, period or row changed: the next request takes a lease under what is in force
                }
            }
        }
    }

    /**
     * The user's lock is held. How many more requests a block due for its check asks for: none while what it holds
     * free covers twice its {@code requestPace}, what it admitted per {@link #LIFE_NANOS} since it was taken or last checked (so it lasts
     * past its next check), else twice that, up to {@link #MAX_REQUEST_BLOCK} ({@link #MAX_BLOCK} for a block holding
     * stream slots, as their takes are).
     */
    private static int growth(LeaseBlock b, double requestPace) {
        long cover = (long) Math.ceil(2 * requestPace);
        return b.freeRequests() >= cover ? 0 : (int) Math.clamp(2 * cover, 1, b.streams > 0 ? MAX_BLOCK : MAX_REQUEST_BLOCK);
    }

    /** Whether {@code free} runs out within {@link #CHECK_BEFORE_NANOS} at {@code pace} (per {@link #LIFE_NANOS}). */
    private static boolean runsOutSoon(int free, double pace) {
        return free < pace * CHECK_BEFORE_NANOS / LIFE_NANOS;
    }

    /** How many a block admits per {@link #LIFE_NANOS} at the pace of {@code since} admitted since it was taken or last checked. */
    private static double perLife(int since, LeaseBlock b, long now) {
        return (double) since * LIFE_NANOS / Math.max(now - b.checkedAt, 1);
    }

    /** What one flush carries of a block: its figures at that moment and the ledger rows then waiting. */
    private record Sent(LeaseBlock.Figures at, boolean figures, boolean close, List<LeaseBlock.Ledger> ledger) {
        LeaseBlock block() {
            return at.block();
        }
    }

    /** One statement for every block with something to say; true when it was written (or nothing was due). */
    boolean flushNow() {
        flushing.lock();
        try {
            long now = System.nanoTime();
            List<Sent> sent = new ArrayList<>();
            for (LeaseUser u : users.values()) {
                synchronized (u) {
                    if (u.current != null && (u.current.outlived(now) || u.current.freeRequests() == 0)) {
                        u.retireCurrent();
                    }
                    if (u.current == null && u.draining.isEmpty() && !u.taking && now - u.lastAsked > HEARTBEAT_NANOS) {
                        // idle a minute with nothing held: forgotten (their next lease starts small again)
                        u.gone = true;
                        users.remove(u.id, u);
                        continue;
                    }
                    for (LeaseBlock b : u.blocks()) {
                        boolean close = b.closable();
                        // A live lease's figures wait for its retirement or 3 s (a checked lease lives
                        // longer): until then they only move tokens from reserved to used, which no
                        // limit check tells apart. Its ledger rows are written at every flush.
                        boolean changed = b.fingerprint() != b.confirmed;
                        boolean figures = close || (changed && (b.retired || now - b.confirmedAt > LIFE_NANOS))
                                || now - b.confirmedAt > HEARTBEAT_NANOS;
                        if (figures || !b.ledger.isEmpty()) {
                            sent.add(new Sent(b.figures(), figures, close, List.copyOf(b.ledger)));
                        }
                    }
                }
            }
            if (sent.isEmpty()) {
                return true;
            }
            try {
                write(sent);
            } catch (SQLException | RuntimeException e) {
                log.warn("flushing {} quota leases failed ({}); what they hold stays reserved and is sent again", sent.size(),
                        e instanceof SQLException sql ? sql.getSQLState() + ": " + sql.getMessage() : e.toString());
                return false;
            }
            int rows = 0;
            for (Sent s : sent) {
                LeaseBlock b = s.block();
                LeaseUser u = b.user;
                synchronized (u) {
                    b.ledger.subList(0, s.ledger().size()).clear();
                    if (s.figures()) {
                        b.confirmed = s.at().fingerprint();
                        b.confirmedAt = now;
                    }
                    rows += s.ledger().size();
                    if (s.close()) {
                        u.draining.remove(b);
                    }
                }
            }
            if (rows > 0) {
                events.settled(rows, 0);
            }
            return true;
        } finally {
            flushing.unlock();
        }
    }

    private void write(List<Sent> sent) throws SQLException {
        List<LeaseBlock.Ledger> rows = new ArrayList<>();
        List<LeaseBlock> rowBlocks = new ArrayList<>();
        for (Sent s : sent) {
            for (LeaseBlock.Ledger l : s.ledger()) {
                rows.add(l);
                rowBlocks.add(s.block());
            }
        }
        List<Sent> leases = sent.stream().filter(Sent::figures).toList();
        int n = leases.size();
        int m = rows.size();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(FLUSH)) {
            ps.setArray(1, GroupAdmission.array(c, "uuid", n, i -> leases.get(i).block().id));
            ps.setArray(2, GroupAdmission.array(c, "uuid", n, i -> leases.get(i).block().user.id));
            ps.setArray(3, GroupAdmission.array(c, "timestamptz", n, i -> Timestamp.from(leases.get(i).block().periodStart)));
            ps.setArray(4, GroupAdmission.array(c, "int4", n, i -> leases.get(i).at().used()));
            ps.setArray(5, GroupAdmission.array(c, "int4", n, i -> leases.get(i).at().refunded()));
            ps.setArray(6, GroupAdmission.array(c, "int8", n, i -> leases.get(i).at().charged()));
            ps.setArray(7, GroupAdmission.array(c, "int4", n, i -> leases.get(i).at().returned()));
            ps.setArray(8, GroupAdmission.array(c, "int8", n, i -> leases.get(i).at().tokensReturned()));
            ps.setArray(9, GroupAdmission.array(c, "int4", n, i -> leases.get(i).at().streamsReturned()));
            ps.setArray(10, GroupAdmission.array(c, "bool", n, i -> leases.get(i).close()));
            ps.setArray(11, GroupAdmission.array(c, "uuid", m, i -> rows.get(i).requestId()));
            ps.setArray(12, GroupAdmission.array(c, "uuid", m, i -> rowBlocks.get(i).user.id));
            ps.setArray(13, GroupAdmission.array(c, "timestamptz", m, i -> Timestamp.from(rowBlocks.get(i).periodStart)));
            ps.setArray(14, GroupAdmission.array(c, "uuid", m, i -> rows.get(i).apiKeyId()));
            ps.setArray(15, GroupAdmission.array(c, "text", m, i -> rows.get(i).model()));
            ps.setArray(16, GroupAdmission.array(c, "text", m, i -> rows.get(i).task()));
            ps.setArray(17, GroupAdmission.array(c, "text", m, i -> rows.get(i).s().deployment()));
            ps.setArray(18, GroupAdmission.array(c, "text", m, i -> rows.get(i).s().outcome()));
            ps.setArray(19, GroupAdmission.array(c, "int4", m, i -> rows.get(i).s().promptTokens()));
            ps.setArray(20, GroupAdmission.array(c, "int4", m, i -> rows.get(i).s().completionTokens()));
            ps.setArray(21, GroupAdmission.array(c, "int4", m, i -> rows.get(i).s().latencyMs()));
            ps.setArray(22, GroupAdmission.array(c, "text", m, i -> rows.get(i).s().usageSource()));
            ps.execute();
        }
    }

    /** Gives every lease back and writes what is left (the HTTP layer has drained: nothing is in flight). */
    @Override
    public void close() {
        closed = true;
        takes.close();
        flusher.interrupt();
        try {
            flusher.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropAll();
        for (int attempt = 0; attempt < 3 && !flushNow(); attempt++) {
            log.warn("flushing the quota leases at shutdown failed (attempt {}); what they hold expires in Postgres", attempt + 1);
        }
    }
}
