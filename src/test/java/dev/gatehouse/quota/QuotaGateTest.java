package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.db.Database;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.quota.Admission.Reason;
import dev.gatehouse.quota.Admission.Rejected;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class QuotaGateTest {
    private static TestDatabase db;
    private static QuotaGate gate;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(16);
        gate = new QuotaGate(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        gate.close();
        db.close();
    }

    private static QuotaGate.Ask chat(AuthUser u) {
        return new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50);
    }

    @Test
    void eleventhRequestOfATenRequestPlanIsRefusedForQuota() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "ten");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 10, null, 1000, 100, 2));

        for (int i = 0; i < 10; i++) {
            assertThat(gate.admit(chat(u))).isInstanceOf(Admitted.class);
        }
        Admission eleventh = gate.admit(chat(u));

        assertThat(eleventh).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.INSUFFICIENT_QUOTA);
            assertThat(r.retryAfterSeconds()).isPositive();
            assertThat(r.limits().requestsUsed()).isEqualTo(10);
        });
    }

    @Test
    void aRequestThatFailedEverywhereIsNotCharged() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "refund");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 1, null, 1000, 100, 2));
        Admitted first = (Admitted) gate.admit(chat(u));

        assertThat(gate.settle(new Settlement(first.requestId(), "failed", 0, 0, null, 5, "none"))).isTrue();

        assertThat(gate.admit(chat(u))).isInstanceOf(Admitted.class);
    }

    @Test
    void settlingTwiceChangesNothing() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "twice");
        Admitted a = (Admitted) gate.admit(chat(u));
        Settlement s = new Settlement(a.requestId(), "completed", 10, 20, "dev-echo", 3, "upstream");

        assertThat(gate.settle(s)).isTrue();
        assertThat(gate.settle(s)).isFalse();

        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from public.ai_usage where request_id = ?", a.requestId().toString())).isEqualTo(1L);
            assertThat(Postgrest.scalar(c, "select tokens_used from private.ai_quota_periods where user_id = ?", u.id())).isEqualTo(30L);
        }
    }

    @Test
    void sixthRequestInAMinuteOfAFivePerMinutePlanIsRateLimited() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "rpm");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 5, 100, 2));

        for (int i = 0; i < 5; i++) {
            assertThat(gate.admit(chat(u))).isInstanceOf(Admitted.class);
        }

        assertThat(gate.admit(chat(u))).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.RATE_LIMIT_EXCEEDED);
            assertThat(r.retryAfterSeconds()).isBetween(1, 12);
        });
    }

    @Test
    void outputIsShrunkToTheTokensLeftAndRefusedWhenNoneAre() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "tokens");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, 100L, 1000, 80, 2));

        Admitted a = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 30, 40));
        Admitted b = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 80));
        Admission c = gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 80));

        assertThat(a.grantedOutputTokens()).isEqualTo(40);
        assertThat(b.grantedOutputTokens()).as("100 - (30 + 40) reserved - 5 prompt").isEqualTo(25);
        assertThat(c).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.INSUFFICIENT_QUOTA));
    }

    @Test
    void plansDecideWhichModelsAndTasksAreAllowedWithoutSpendingAnything() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "rules");
        String plan = Users.plan(db.dataSource(), 1, null, 1000, 100, 2);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.plans set allow_raw_chat = false, allowed_tasks = array['mentor-answer'] where id = ?", plan);
        }
        Users.subscribe(db.dataSource(), u.id(), plan);

        assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10)))
                .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.RAW_CHAT_NOT_ALLOWED));
        assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", "resume-review", false, 1, 10)))
                .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TASK_NOT_ALLOWED));
        assertThat(gate.admit(new QuotaGate.Ask(u.id(), "gpt-5-unlisted", "mentor-answer", false, 1, 10)))
                .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.MODEL_NOT_ALLOWED));
        assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", "mentor-answer", false, 1, 10))).isInstanceOf(Admitted.class);
    }

    @Test
    void concurrentStreamsAreCappedAndASettledStreamFreesItsSlot() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "streams");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 1000, 100, 2));
        java.util.function.Supplier<QuotaGate.Ask> stream = () -> new QuotaGate.Ask(u.id(), "dev-echo", null, true, 1, 10);

        Admitted one = (Admitted) gate.admit(stream.get());
        gate.admit(stream.get());
        assertThat(gate.admit(stream.get())).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));

        gate.settle(new Settlement(one.requestId(), "cut_by_caller", 1, 3, "dev-echo", 9, "tokenizer"));
        assertThat(gate.admit(stream.get())).isInstanceOf(Admitted.class);
    }

    @Test
    void streamsEndingTogetherAreFreedInGroupsThroughAPoolTooSmallForOneConnectionEach() throws Exception {
        // given 400 open streams of one user whose plan allows exactly 400, and a gate whose pool has 2 connections
        // (leases off: each stream holds its own reservation; streams in leases are QuotaLeasesTest's)
        int streams = 400;
        AuthUser u = Users.signUp(db.dataSource(), "burst");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100000, 100, streams));
        try (HikariDataSource small = Database.pool(db.url(), 2, "release-burst"); QuotaGate narrow = new QuotaGate(small, QuotaEvents.NONE, false)) {
            List<Admitted> open = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                open.add((Admitted) narrow.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, true, 1, 10)));
            }
            assertThat(narrow.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, true, 1, 10)))
                    .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.TOO_MANY_STREAMS));

            // when every stream ends at the same moment
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Admitted a : open) {
                    pool.submit(() -> {
                        go.await();
                        narrow.releaseStream(a.requestId());
                        return null;
                    });
                }
                go.countDown();
            }

            // then each slot is free when its release returns (before any settlement), in far fewer statements than streams
            try (Connection c = db.connect(); var ps = c.prepareStatement(
                    "select count(*) from private.ai_reservations where user_id = ? and is_stream")) {
                ps.setObject(1, u.id());
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
            }
            assertThat(narrow.largestStreamReleaseGroup()).isGreaterThan(1);
            for (int i = 0; i < streams; i++) {
                assertThat(narrow.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, true, 1, 10))).isInstanceOf(Admitted.class);
            }
        }
    }

    @Test
    void anUnsettledReservationIsChargedInFullWhenItExpires() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "lost");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, 1000L, 1000, 100, 2));
        // Leases off: each request holds its own reservation (a lease's expiry is QuotaLeasesTest's).
        try (QuotaGate perRequest = new QuotaGate(db.dataSource(), QuotaEvents.NONE, false)) {
            Admitted lost = (Admitted) perRequest.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, true, 20, 100));
            try (Connection c = db.connect()) {
                Postgrest.update(c, "update private.ai_reservations set created_at = now() - interval '1 hour' where request_id = ?", lost.requestId());
            }

            perRequest.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, true, 10, 50));

            try (Connection c = db.connect()) {
                var row = Postgrest.rows(c, "select tokens_used, tokens_reserved from private.ai_quota_periods where user_id = ?", u.id()).getFirst();
                assertThat(row.get("tokens_used")).isEqualTo(120L);
                assertThat(row.get("tokens_reserved")).isEqualTo(60L);
            }
        }
    }

    /**
     * Property: for random limits and bursts larger than the limit, sent concurrently through two
     * service instances (two pools, two gates) on one database, exactly min(burst, limit) requests
     * are admitted: never more, and none lost to contention.
     */
    @Test
    void concurrentRequestsAtTheQuotaEdgeNeverExceedTheLimitAcrossTwoInstances() throws Exception {
        Random random = Seeds.random("concurrentRequestsAtTheQuotaEdgeNeverExceedTheLimitAcrossTwoInstances");
        try (HikariDataSource second = Database.pool(db.url(), 16, "instance-b");
                QuotaGate gateB = new QuotaGate(second);
                ExecutorService pool = Executors.newFixedThreadPool(24)) {
            for (int round = 0; round < 12; round++) {
                int limit = 1 + random.nextInt(15);
                int burst = limit + random.nextInt(2 * limit + 4);
                boolean tokenLimited = random.nextBoolean();
                long tokenLimit = 200L + random.nextInt(2000);
                AuthUser u = Users.signUp(db.dataSource(), "edge" + round);
                Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), limit, tokenLimited ? tokenLimit : null, 100_000, 200, 50));
                int[] prompts = random.ints(burst, 1, 120).toArray();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Admission>> results = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    QuotaGate g = i % 2 == 0 ? gate : gateB;
                    QuotaGate.Ask ask = new QuotaGate.Ask(u.id(), "dev-echo", null, false, prompts[i], 1 + random.nextInt(200));
                    Callable<Admission> call = () -> {
                        start.await();
                        return g.admit(ask);
                    };
                    results.add(pool.submit(call));
                }
                start.countDown();
                int admitted = 0;
                long reserved = 0;
                for (int i = 0; i < burst; i++) {
                    if (results.get(i).get() instanceof Admitted a) {
                        admitted++;
                        reserved += prompts[i] + a.grantedOutputTokens();
                    }
                }

                String context = "round " + round + ": limit " + limit + ", burst " + burst + (tokenLimited ? ", token limit " + tokenLimit : "");
                assertThat(admitted).as(context).isLessThanOrEqualTo(limit);
                if (tokenLimited) {
                    assertThat(reserved).as(context).isLessThanOrEqualTo(tokenLimit);
                }
                // One instance's unused lease may refuse the other during the burst; once both gave
                // their leases back, nothing is lost: the rest of the limit is admitted, then no more.
                gate.giveBackLeases();
                gateB.giveBackLeases();
                if (!tokenLimited) {
                    for (int i = admitted; i < limit; i++) {
                        assertThat(gate.admit(chat(u))).as(context).isInstanceOf(Admitted.class);
                    }
                    assertThat(gateB.admit(chat(u))).as(context).isInstanceOf(Rejected.class);
                    gate.giveBackLeases();
                    gateB.giveBackLeases();
                    admitted = limit;
                }
                try (Connection c = db.connect()) {
                    assertThat(Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", u.id()))
                            .as(context).isEqualTo(admitted);
                }
            }
        }
    }

    /** Property: a burst larger than the per-minute limit admits at most the bucket's capacity. */
    @Test
    void concurrentBurstsNeverExceedTheRateLimit() throws Exception {
        Random random = Seeds.random("concurrentBurstsNeverExceedTheRateLimit");
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int round = 0; round < 8; round++) {
                int rpm = 1 + random.nextInt(20);
                int burst = rpm + 1 + random.nextInt(20);
                AuthUser u = Users.signUp(db.dataSource(), "burst" + round);
                Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, rpm, 100, 50));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Admission>> results = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return gate.admit(chat(u));
                    }));
                }
                start.countDown();
                int admitted = 0;
                for (Future<Admission> f : results) {
                    admitted += f.get() instanceof Admitted ? 1 : 0;
                }
                // A burst takes well under a second, so at most one extra request's worth can refill.
                int refillAllowance = (int) Math.ceil(rpm / 60.0);
                assertThat(admitted).as("round " + round + ": rpm " + rpm + ", burst " + burst).isBetween(rpm, rpm + refillAllowance);
            }
        }
    }
}
