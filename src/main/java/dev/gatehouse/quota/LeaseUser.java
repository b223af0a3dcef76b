package dev.gatehouse.quota;

import static dev.gatehouse.quota.QuotaLeases.FIRST_BLOCK;
import static dev.gatehouse.quota.QuotaLeases.LIFE_NANOS;
import static dev.gatehouse.quota.QuotaLeases.MAX_BLOCK;
import static dev.gatehouse.quota.QuotaLeases.MAX_REQUEST_BLOCK;

import dev.gatehouse.db.Grouped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** A user's quota leases on this instance ({@link QuotaLeases}): the current one (admitting) and retired ones draining. Guarded by itself. */
final class LeaseUser {
    final UUID id;
    LeaseBlock current;
    final List<LeaseBlock> draining = new ArrayList<>();
    int nextBlock = FIRST_BLOCK;
    /** Stream slots the next lease asks for: 2-8x what the last one admitted, by how fast (none for a user who does not stream). */
    int nextStreams;
    /** A lease is being taken for this user (outside the lock); others queue for it rather than take their own. */
    boolean taking;
    /** Requests waiting for that lease, in arrival order: the next one is sized for them. */
    final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** When this user last asked (System.nanoTime()): their lease size is remembered while they are active. */
    long lastAsked = System.nanoTime();
    boolean gone;

    /**
     * A request that needs a lease: queued for the take in flight, or with a take of its own ({@link #take},
     * prepared under the lock; {@link #sent} once queued for the lane). Answered once, by whoever finishes the take
     * that covers it.
     */
    static final class Queued {
        final QuotaGate.Ask ask;
        final CompletableFuture<Admission> answer = new CompletableFuture<>();
        /** Its own take, when it has one; written under the user's lock. */
        QuotaLeases.Taking take;
        /** That take queued for the lane; null until then. */
        volatile Grouped.Pending<LeaseTakes.Answer> sent;

        Queued(QuotaGate.Ask ask) {
            this.ask = ask;
        }
    }

    LeaseUser(UUID id) {
        this.id = id;
    }

    void retireCurrent() {
        if (current != null) {
            current.retired = true;
            current.giveBackFree();
            // Slots grow with the rate they were used at: a lease whose slots ran out in a tenth of its
            // life was a tenth of what that rate needs (up to 8x at once). Growing only 2x a take, a
            // user opening streams fast needed a take every few streams, and 10,000 streams opening
            // at once queued every user's take behind the lanes for seconds. Requests of a user who
            // does not stream grow the same way, further (MAX_REQUEST_BLOCK).
            double stretch = Math.clamp((double) LIFE_NANOS / Math.max(System.nanoTime() - current.takenAt, 1), 2.0, 8.0);
            nextStreams = current.streamsUsed == 0 ? 0 : (int) Math.clamp((long) Math.ceil(current.streamsUsed * stretch), 2, MAX_BLOCK);
            nextBlock = nextStreams > 0 ? (int) Math.clamp(2L * current.used, 2, MAX_BLOCK)
                    : (int) Math.clamp((long) Math.ceil(current.used * stretch), 2, MAX_REQUEST_BLOCK);
            draining.add(current);
            current = null;
        }
    }

    List<LeaseBlock> blocks() {
        List<LeaseBlock> all = new ArrayList<>(draining);
        if (current != null) {
            all.add(current);
        }
        return all;
    }
}
