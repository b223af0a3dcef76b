package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.db.Database;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.quota.Admission.Reason;
import dev.gatehouse.quota.Admission.Rejected;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.CuttableDataSource;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streams admitted from quota leases (migration 20261206200000) against real Postgres, through two gates on one database. */
class StreamLeasesTest {
    /**
     * How soon a slot freed on one instance is free for another: a live lease gives its free slots back at its next check
     * or retires within LIFE, and the check's statement or the next flush writes it.
     */
    private static final Duration FREED_SLOT_BOUND =
            Duration.ofNanos(QuotaLeases.LIFE_NANOS + TimeUnit.MILLISECONDS.toNanos(QuotaLeases.FLUSH_EVERY_MILLIS));
    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(16);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static QuotaGate.Ask stream(AuthUser u) {
        return new QuotaGate.Ask(u.id(), "dev-echo", null, true, 5, 20);
    }

    private static long streamsHeld(AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, "select private.ai_streams_held(?)", u.id())).longValue();
        }
    }

    /**
     * Property: for random stream limits and bursts of streams that open, trickle for a random
     * while and end, sent through two gates on one database, the streams open at once never pass
     * the plan's limit; once everything ended and the leases are given back, no slot is held.
     */
    @Test
    void concurrentStreamsNeverPassThePlansLimitAcrossTwoInstances() throws Exception {
        Random random = Seeds.random("concurrentStreamsNeverPassThePlansLimitAcrossTwoInstances");
        try (HikariDataSource second = Database.pool(db.url(), 12, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 8; round++) {
                int limit = 1 + random.nextInt(12);
                int burst = limit + 5 + random.nextInt(4 * limit + 10);
                AuthUser u = Users.signUp(db.dataSource(), "streams" + round);
                Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, limit));
                long seed = random.nextLong();
                AtomicInteger open = new AtomicInteger();
                AtomicInteger mostOpen = new AtomicInteger();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    QuotaGate g = i % 2 == 0 ? a : b;
                    Random r = new Random(seed + i);
                    results.add(pool.submit(() -> {
                        start.await();
                        Thread.sleep(r.nextInt(30));
                        if (!(g.admit(stream(u)) instanceof Admitted adm)) {
                            return false;
                        }
                        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        Thread.sleep(1 + r.nextInt(40)); // the upstream trickles
                        open.decrementAndGet();
                        g.releaseStream(adm.requestId());
                        g.settleLater(new Settlement(adm.requestId(), "completed", 5, r.nextInt(21), "dev-echo", 1, "upstream"));
                        return true;
                    }));
                }
                start.countDown();
                int admitted = 0;
                for (Future<Boolean> f : results) {
                    admitted += f.get() ? 1 : 0;
                }
                a.giveBackLeases();
                b.giveBackLeases();

                String context = "round " + round + ": limit " + limit + ", burst " + burst + ", admitted " + admitted;
                assertThat(mostOpen.get()).as(context).isLessThanOrEqualTo(limit);
                assertThat(admitted).as(context).isPositive();
                assertThat(streamsHeld(u)).as(context).isZero();
            }
        }
    }

    @Test
    void aSlotFreedOnOneInstanceIsFreeOnTheOtherWithinTheDocumentedBound() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "freed");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 1));
        try (HikariDataSource second = Database.pool(db.url(), 4, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second)) {
            for (int i = 0; i < 3; i++) { // leases of 1 and 2 requests: the next lease holds requests to spare
                a.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 20));
            }
            Admitted held = (Admitted) a.admit(stream(u));
            assertThat(b.admit(stream(u))).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));

            a.releaseStream(held.requestId());
            long freed = System.nanoTime();
            a.settleLater(new Settlement(held.requestId(), "completed", 5, 20, "dev-echo", 1, "upstream"));

            Duration took = untilAdmitted(b, u, freed, () -> { });
            System.out.println("a slot freed on instance a was free on instance b after " + took.toMillis() + " ms (bound "
                    + FREED_SLOT_BOUND.toMillis() + " ms)");
            assertThat(took).isLessThanOrEqualTo(FREED_SLOT_BOUND.plusMillis(500)); // plus the flush's round trip and polling
            assertThat(a.admit(stream(u))).as("the slot is b's now")
                    .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));
        }
    }

    @Test
    void aDeadInstancesStreamSlotsComeBackWhenItsLeaseExpires() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "deadstreams");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        AtomicBoolean cut = new AtomicBoolean();
        QuotaGate dying = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut));
        try (QuotaGate alive = new QuotaGate(db.dataSource())) {
            assertThat(dying.admit(stream(u))).isInstanceOf(Admitted.class);
            assertThat(dying.admit(stream(u))).isInstanceOf(Admitted.class);
            cut.set(true); // the instance dies with both streams open: nothing of it reaches Postgres again

            assertThat(alive.admit(stream(u))).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));
            assertThat(streamsHeld(u)).isEqualTo(2);

            try (Connection c = db.connect()) { // the reservation TTL passes with no heartbeat
                Postgrest.update(c, "update private.ai_reservations set created_at = now() - interval '1 hour' where user_id = ?", u.id());
                Postgrest.scalar(c, "select private.ai_sweep_expired()");
            }

            assertThat(streamsHeld(u)).isZero();
            assertThat(alive.admit(stream(u))).isInstanceOf(Admitted.class);
            assertThat(alive.admit(stream(u))).isInstanceOf(Admitted.class);
            assertThat(alive.admit(stream(u))).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));
        } finally {
            dying.close();
        }
    }

    @Test
    void aStreamWithoutALeaseFailsClosedWhenPostgresIsUnreachable() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "unreachable");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 5));
        AtomicBoolean cut = new AtomicBoolean(true);
        try (QuotaGate gate = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut))) {
            assertThatThrownBy(() -> gate.admit(stream(u))).isInstanceOfSatisfying(Refusal.class, r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.code()).isEqualTo("quota_unavailable");
            });
            cut.set(false);
        }
        assertThat(streamsHeld(u)).isZero();
    }

    /**
     * Tries a stream for {@code u} on {@code gate} every 50 ms (running {@code meanwhile} before each try) until one is
     * admitted, failing past {@link #FREED_SLOT_BOUND} plus 2 s; how long after {@code freed} (System.nanoTime()) it was.
     */
    private static Duration untilAdmitted(QuotaGate gate, AuthUser u, long freed, Runnable meanwhile) {
        await().pollInterval(Duration.ofMillis(50)).atMost(FREED_SLOT_BOUND.plusSeconds(2)).until(() -> {
            meanwhile.run();
            return gate.admit(stream(u)) instanceof Admitted;
        });
        return Duration.ofNanos(System.nanoTime() - freed);
    }

    /** Opens a stream for {@code u} on {@code gate}, which must be admitted, and ends it at once (released, settled). */
    private static void streamAndEnd(QuotaGate gate, AuthUser u) {
        Admitted a = (Admitted) gate.admit(stream(u));
        gate.releaseStream(a.requestId());
        gate.settleLater(new Settlement(a.requestId(), "completed", 5, 10, "dev-echo", 1, "upstream"));
    }

    @Test
    void aSteadilyStreamingUsersLeaseIsCheckedAndGrownInsteadOfRetiringEveryLife() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "steadystreams");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 100));
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            int sent = 0;
            while (System.nanoTime() < warm) { // 10 streams a second: the first leases grow to that pace
                streamAndEnd(gate, u);
                sent++;
                Thread.sleep(100);
            }
            long takes = gate.leases().takes();
            long until = System.nanoTime() + 3 * QuotaLeases.LIFE_NANOS;
            while (System.nanoTime() < until) {
                streamAndEnd(gate, u);
                sent++;
                Thread.sleep(100);
            }

            // unchecked, a lease holding slots retired every 3 s: at least 3 takes here
            assertThat(gate.leases().takes() - takes).as("takes over three lease lives of steady streams").isLessThanOrEqualTo(1);
            gate.giveBackLeases();
            assertThat(streamsHeld(u)).isZero();
            try (Connection c = db.connect()) {
                assertThat(((Number) Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", u.id())).intValue())
                        .isEqualTo(sent);
            }
        }
    }

    @Test
    void aSlotFreedInACheckedLeaseIsFreeOnTheOtherInstanceWithinTheDocumentedBound() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "checkedfreed");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        try (HikariDataSource second = Database.pool(db.url(), 4, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second)) {
            Admitted longOne = (Admitted) a.admit(stream(u)); // open throughout
            long until = System.nanoTime() + 2 * QuotaLeases.LIFE_NANOS;
            while (System.nanoTime() < until) { // a's lease stays busy, so it is checked rather than retired
                streamAndEnd(a, u);
                Thread.sleep(100);
            }
            long freed = System.nanoTime(); // a's last short stream has ended: one of the 2 slots is free on a

            Duration took = untilAdmitted(b, u, freed, () -> {
                // a's lease stays busy with plain requests, so it lives on: the free slot must still leave it
                Admitted plain = (Admitted) a.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 20));
                a.settleLater(new Settlement(plain.requestId(), "completed", 5, 10, "dev-echo", 1, "upstream"));
            });
            assertThat(took).isLessThanOrEqualTo(FREED_SLOT_BOUND.plusMillis(500));
            assertThat(a.admit(stream(u))).as("both slots held: a's long stream and b's")
                    .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));
            a.releaseStream(longOne.requestId());
        }
    }

    @Test
    void aStreamEndedOnThisInstanceFreesItsSlotHereAtOnce() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "again");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 1));
        AtomicBoolean cut = new AtomicBoolean();
        try (QuotaGate gate = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut))) {
            for (int i = 0; i < 3; i++) {
                gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 20));
            }
            Admitted first = (Admitted) gate.admit(stream(u));

            gate.releaseStream(first.requestId());
            cut.set(true); // the next stream is admitted in the lease's freed slot, without a round trip

            assertThat(gate.admit(stream(u))).isInstanceOf(Admitted.class);
            cut.set(false);
        }
    }

    /**
     * Property: a user's burst of streams arriving together, most of them queued behind the user's lease take in
     * flight, is answered whole and exactly: with none ending meanwhile, as many are admitted as the plan's stream
     * limit allows (all when the burst is smaller), every other one is refused for that limit, none fails waiting
     * (the take hands its lease to the queue, then the next take to the first request it did not cover), and only
     * a few takes serve them all.
     */
    @Test
    void aBurstQueuedBehindOneTakeIsAnsweredWholeAndExactly() throws Exception {
        Random random = Seeds.random("aBurstQueuedBehindOneTakeIsAnsweredWholeAndExactly");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 6; round++) {
                int limit = 20 + random.nextInt(100);
                int burst = 1 + random.nextInt(2 * limit);
                AuthUser u = Users.signUp(db.dataSource(), "burst" + round);
                Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, limit));
                try (QuotaGate gate = new QuotaGate(db.dataSource())) {
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<Admission>> answers = new ArrayList<>();
                    for (int i = 0; i < burst; i++) {
                        answers.add(pool.submit(() -> {
                            start.await();
                            return gate.admit(stream(u));
                        }));
                    }
                    start.countDown();
                    List<Admitted> admitted = new ArrayList<>();
                    for (Future<Admission> f : answers) {
                        switch (f.get()) {
                            case Admitted a -> admitted.add(a);
                            case Rejected r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS);
                        }
                    }

                    String context = "round " + round + ": limit " + limit + ", burst " + burst + ", takes " + gate.leases().takes();
                    assertThat(admitted).as(context).hasSize(Math.min(burst, limit));
                    assertThat(streamsHeld(u)).as(context).isLessThanOrEqualTo(limit);
                    assertThat(gate.leases().takes()).as(context).isLessThanOrEqualTo(Math.max(16, burst - limit + 16));
                    for (Admitted a : admitted) {
                        gate.releaseStream(a.requestId());
                        gate.settleLater(new Settlement(a.requestId(), "completed", 5, 3, "dev-echo", 1, "upstream"));
                    }
                    gate.giveBackLeases();
                    assertThat(streamsHeld(u)).as(context).isZero();
                }
            }
        }
    }
}
