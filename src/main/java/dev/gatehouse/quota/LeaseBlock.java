package dev.gatehouse.quota;

import static dev.gatehouse.quota.QuotaLeases.LIFE_NANOS;

import dev.gatehouse.quota.QuotaLeases.Rules;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** One quota lease of {@link QuotaLeases}: what it took, and the cumulative figures reported to Postgres. Guarded by its user's lock. */
final class LeaseBlock {
    /** One settled request's ledger row, written by the next flush. */
    record Ledger(UUID requestId, UUID apiKeyId, String model, String task, Settlement s) {}

    /** A block's cumulative figures at one moment, and the fingerprint they had. */
    record Figures(LeaseBlock block, int used, int refunded, long charged, int returned, long tokensReturned, int streamsReturned,
            long fingerprint) {}

    final UUID id;
    final LeaseUser user;
    final Rules rules;
    final Instant periodStart;
    final Instant periodEnd;
    final long takenAt;
    /** When the check that last found its plan unchanged was sent (taken: when it was taken); it admits until LIFE_NANOS after. */
    long checkedAt;
    /** How many it had admitted then: a block that admitted none since is idle and is left to retire. */
    int usedAtCheck = 1;
    /** What it took, and what checks added since ({@link QuotaLeases#checkBusy}). */
    int requests;
    long tokens;
    /** Stream slots it took; streamsActive of them hold a stream now, streamsReturned were given back. */
    int streams;
    int streamsUsed;
    /** Streams it had admitted at its last check (taken: the first request's). */
    int streamsUsedAtCheck;
    int streamsActive;
    int streamsReturned;
    /** The first request's figures as Postgres answered them, from which local answers are derived. */
    final double bucketAfterFirst;
    final int requestsUsedAfterFirst;
    final long tokensUsedAfterFirst;
    final long firstNeed;
    int used = 1;
    int refunded;
    int returned;
    long charged;
    long inflight;
    long tokensReturned;
    boolean retired;
    final List<Ledger> ledger = new ArrayList<>();
    /** What Postgres last confirmed: a block is flushed only when something changed (or for a heartbeat). */
    long confirmed;
    long confirmedAt;

    LeaseBlock(UUID id, LeaseUser user, LeaseTakes.Answer a, long need, boolean stream, long now) {
        Limits l = a.limits();
        this.id = id;
        this.user = user;
        this.rules = new Rules(l.planId(), l.rpmLimit(), l.requestsLimit(), l.tokensLimit(), a.maxOutputTokens(), a.models(), a.tasks(),
                a.rawChat());
        this.periodStart = l.periodStart();
        this.periodEnd = l.periodEnd();
        this.takenAt = now;
        this.checkedAt = now;
        this.requests = a.leaseRequests();
        this.tokens = a.leaseTokens();
        this.streams = a.leaseStreams();
        this.streamsUsed = stream ? 1 : 0;
        this.streamsUsedAtCheck = streamsUsed;
        this.streamsActive = streamsUsed;
        this.bucketAfterFirst = a.rateTokens();
        this.requestsUsedAfterFirst = l.requestsUsed();
        this.tokensUsedAfterFirst = l.tokensUsed();
        this.firstNeed = need;
        this.inflight = need;
        this.confirmedAt = now;
        this.confirmed = fingerprint();
    }

    int freeRequests() {
        return requests - used - returned;
    }

    long freeTokens() {
        return tokens - charged - inflight - tokensReturned;
    }

    int freeStreams() {
        return streams - streamsActive - streamsReturned;
    }

    /** Gives back everything free: a retired block admits nothing more. */
    void giveBackFree() {
        returned += Math.max(freeRequests(), 0);
        tokensReturned += Math.max(freeTokens(), 0);
        streamsReturned += Math.max(freeStreams(), 0);
    }

    /** Its cumulative figures now, as a take or a flush sends them (read under the user's lock). */
    Figures figures() {
        return new Figures(this, used, refunded, charged, returned, tokensReturned, streamsReturned, fingerprint());
    }

    long fingerprint() {
        long h = used;
        h = h * 31 + refunded;
        h = h * 31 + returned;
        h = h * 31 + charged;
        h = h * 31 + tokensReturned;
        h = h * 31 + streamsReturned;
        return h * 31 + (retired ? 1 : 0);
    }

    /** Past its life: {@link QuotaLeases#LIFE_NANOS} since it was taken or last found unchanged by a check. */
    boolean outlived(long now) {
        return now - checkedAt > LIFE_NANOS;
    }

    /** Retired with nothing in flight: nothing of it can change any more. */
    boolean closable() {
        return retired && inflight == 0;
    }
}
