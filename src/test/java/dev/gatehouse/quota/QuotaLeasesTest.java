package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.db.Database;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.quota.Admission.Reason;
import dev.gatehouse.quota.Admission.Rejected;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.CuttableDataSource;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Quota leases (QuotaLeases, migration 20261204200000) against real Postgres, through two gates on one database. */
class QuotaLeasesTest {
    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(16);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static Map<String, Object> period(AuthUser u) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, "select requests_used, tokens_used, tokens_reserved, rate_held from private.ai_quota_periods where user_id = ?",
                    u.id()).getFirst();
        }
    }

    private static long scalar(String sql, Object... args) throws Exception {
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, sql, args)).longValue();
        }
    }

    /**
     * Property: for random request, token and per-minute limits, a concurrent workload of admissions
     * and settlements (random actual use, some failed everywhere) sent through two gates on one
     * database never admits more than the limits allow, and once the leases are given back the
     * period row, the ledger and what the callers were told agree exactly.
     */
    @Test
    void leasesNeverLetTwoInstancesTogetherExceedRequestTokenOrRateLimits() throws Exception {
        Random random = Seeds.random("leasesNeverLetTwoInstancesTogetherExceedRequestTokenOrRateLimits");
        try (HikariDataSource second = Database.pool(db.url(), 12, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second);
                ExecutorService pool = Executors.newFixedThreadPool(24)) {
            for (int round = 0; round < 10; round++) {
                int kind = random.nextInt(3);
                Integer requestLimit = kind == 0 ? 5 + random.nextInt(40) : null;
                Long tokenLimit = kind == 1 ? 500L + random.nextInt(4000) : null;
                int rpm = kind == 2 ? 3 + random.nextInt(30) : 100_000;
                AuthUser u = Users.signUp(db.dataSource(), "lease" + round);
                Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), requestLimit, tokenLimit, rpm, 200, 50));
                int burst = 10 + random.nextInt(80);
                long seed = random.nextLong();
                CountDownLatch start = new CountDownLatch(1);
                record Outcome(boolean admitted, boolean failed, long charged) {}
                List<Future<Outcome>> results = new ArrayList<>();
                for (int i = 0; i < burst; i++) {
                    QuotaGate g = i % 2 == 0 ? a : b;
                    Random r = new Random(seed + i);
                    results.add(pool.submit(() -> {
                        start.await();
                        int prompt = 1 + r.nextInt(100);
                        if (!(g.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, prompt, 1 + r.nextInt(200))) instanceof Admitted adm)) {
                            return new Outcome(false, false, 0);
                        }
                        boolean failed = r.nextInt(8) == 0;
                        int completion = r.nextInt(adm.grantedOutputTokens() + 1);
                        g.settleLater(new Settlement(adm.requestId(), failed ? "failed" : "completed", prompt, completion, "dev-echo", 1, "upstream"));
                        return new Outcome(true, failed, failed ? 0 : prompt + completion);
                    }));
                }
                start.countDown();
                int admitted = 0;
                int failed = 0;
                long charged = 0;
                for (Future<Outcome> f : results) {
                    Outcome o = f.get();
                    admitted += o.admitted() ? 1 : 0;
                    failed += o.failed() ? 1 : 0;
                    charged += o.charged();
                }
                a.giveBackLeases();
                b.giveBackLeases();

                String context = "round " + round + ": requests " + requestLimit + ", tokens " + tokenLimit + ", rpm " + rpm + ", burst " + burst;
                if (requestLimit != null) {
                    assertThat(admitted - failed).as(context).isLessThanOrEqualTo(requestLimit);
                }
                if (tokenLimit != null) {
                    assertThat(charged).as(context).isLessThanOrEqualTo(tokenLimit);
                }
                if (kind == 2) {
                    // the burst takes well under a few seconds: at most that much refills
                    assertThat(admitted).as(context).isLessThanOrEqualTo(rpm + (int) Math.ceil(rpm / 20.0));
                }
                Map<String, Object> row = period(u);
                assertThat(((Number) row.get("requests_used")).intValue()).as(context).isEqualTo(admitted - failed);
                assertThat(row.get("tokens_used")).as(context).isEqualTo(charged);
                assertThat(row.get("tokens_reserved")).as(context).isEqualTo(0L);
                assertThat(row.get("rate_held")).as(context).isEqualTo(0);
                assertThat(scalar("select count(*) from public.ai_usage where user_id = ?", u.id())).as(context).isEqualTo(admitted);
                assertThat(scalar("select count(*) from private.ai_reservations where user_id = ?", u.id())).as(context).isZero();
            }
        }
    }

    /**
     * Many users' first requests at once on two instances: their lease takes go to Postgres in groups
     * (LeaseTakes, private.ai_lease_many), several users in one round trip, and every user's limits still
     * hold exactly, with everything given back once the leases are returned. Seeded: users, limits, bursts.
     */
    @Test
    void leaseTakesGroupedAcrossUsersKeepEveryUsersLimitsExact() throws Exception {
        Random random = Seeds.random("leaseTakesGroupedAcrossUsersKeepEveryUsersLimitsExact");
        try (HikariDataSource second = Database.pool(db.url(), 12, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second);
                ExecutorService pool = Executors.newFixedThreadPool(48)) {
            for (int round = 0; round < 4; round++) {
                int users = 12 + random.nextInt(20);
                List<AuthUser> who = new ArrayList<>();
                List<Integer> limits = new ArrayList<>();
                List<Callable<Boolean>> calls = new ArrayList<>();
                CountDownLatch start = new CountDownLatch(1);
                for (int k = 0; k < users; k++) {
                    int limit = 1 + random.nextInt(15);
                    AuthUser u = Users.signUp(db.dataSource(), "grouped" + round + "-" + k);
                    Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), limit, null, 100_000, 200, 50));
                    who.add(u);
                    limits.add(limit);
                    int burst = 1 + random.nextInt(2 * limit + 3);
                    for (int i = 0; i < burst; i++) {
                        QuotaGate g = random.nextBoolean() ? a : b;
                        int prompt = 1 + random.nextInt(100);
                        calls.add(() -> {
                            start.await();
                            if (!(g.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, prompt, 50)) instanceof Admitted adm)) {
                                return false;
                            }
                            g.settleLater(new Settlement(adm.requestId(), "completed", prompt, 10, "dev-echo", 1, "upstream"));
                            return true;
                        });
                    }
                }
                java.util.Collections.shuffle(calls, random);
                List<Future<Boolean>> results = calls.stream().map(pool::submit).toList();
                start.countDown();
                for (Future<Boolean> f : results) {
                    f.get();
                }
                a.giveBackLeases();
                b.giveBackLeases();
                for (int k = 0; k < users; k++) {
                    AuthUser u = who.get(k);
                    String context = "round " + round + ", user " + k + ", limit " + limits.get(k);
                    Map<String, Object> row = period(u);
                    long ledger = scalar("select count(*) from public.ai_usage where user_id = ?", u.id());
                    assertThat(ledger).as(context).isLessThanOrEqualTo(limits.get(k));
                    assertThat(((Number) row.get("requests_used")).longValue()).as(context).isEqualTo(ledger);
                    assertThat(row.get("tokens_reserved")).as(context).isEqualTo(0L);
                    assertThat(row.get("rate_held")).as(context).isEqualTo(0);
                    assertThat(scalar("select count(*) from private.ai_reservations where user_id = ?", u.id())).as(context).isZero();
                }
            }
            assertThat(Math.max(a.largestLeaseTakeGroup(), b.largestLeaseTakeGroup()))
                    .as("some round trip carried several users' lease takes").isGreaterThan(1);
        }
    }

    @Test
    void aDeadInstancesLeaseIsChargedInFullByTheSweepAndTheUserNeverPassesTheLimit() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "dead");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 12, null, 1000, 100, 2));
        AtomicBoolean cut = new AtomicBoolean();
        QuotaGate dying = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut));
        int admittedByTheDead = 0;
        for (int i = 0; i < 4; i++) { // leases of 1, 2 and 4 requests
            admittedByTheDead += dying.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50)) instanceof Admitted ? 1 : 0;
        }
        cut.set(true); // the instance dies: no settlement, no flush, no give-back ever reaches Postgres
        long counted = ((Number) period(u).get("requests_used")).longValue();
        long leases = scalar("select count(*) from private.ai_reservations where user_id = ?", u.id());
        long leasedTokens = scalar("select coalesce(sum(tokens_reserved), 0) from private.ai_reservations where user_id = ?", u.id());
        assertThat(counted).as("its leases took more than the requests it admitted").isGreaterThan(admittedByTheDead);

        try (Connection c = db.connect()) {
            Postgrest.update(c, "update private.ai_reservations set created_at = now() - interval '1 hour' where user_id = ?", u.id());
            Postgrest.scalar(c, "select private.ai_sweep_expired()");
        }

        Map<String, Object> row = period(u);
        assertThat(((Number) row.get("requests_used")).longValue()).as("its requests stay counted").isEqualTo(counted);
        assertThat(row.get("tokens_used")).as("what it reserved is charged in full").isEqualTo(leasedTokens);
        assertThat(row.get("tokens_reserved")).isEqualTo(0L);
        assertThat(row.get("rate_held")).as("its held rate tokens are released").isEqualTo(0);
        assertThat(scalar("select count(*) from public.ai_usage where user_id = ? and outcome = 'expired'", u.id())).isEqualTo(leases);

        try (QuotaGate alive = new QuotaGate(db.dataSource())) {
            int more = 0;
            for (int i = 0; i < 20; i++) {
                more += alive.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50)) instanceof Admitted ? 1 : 0;
            }
            assertThat(admittedByTheDead + more).as("never past the limit of 12").isLessThanOrEqualTo(12);
            assertThat(more).isEqualTo(12 - (int) counted);
        } finally {
            dying.close();
        }
    }

    @Test
    void aPlanChangeAppliedOnThisInstanceDropsTheLeaseAtOnce() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "replan");
        String open = Users.plan(db.dataSource(), null, null, 1000, 100, 2);
        Users.subscribe(db.dataSource(), u.id(), open);
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            for (int i = 0; i < 2; i++) { // a lease of 1, then one of 2
                assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10))).isInstanceOf(Admitted.class);
            }
            try (Connection c = db.connect()) {
                Postgrest.update(c, "update public.plans set allowed_models = array['claude-haiku'] where id = ?", open);
            }
            assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10)))
                    .as("the lease still carries the plan it was taken under").isInstanceOf(Admitted.class);

            gate.plansChanged();

            assertThat(gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10)))
                    .isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.MODEL_NOT_ALLOWED));
        }
    }

    @Test
    void aFailedFlushKeepsWhatTheLeaseHoldsReservedUntilAFlushSucceeds() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "flushless");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 100, 10_000L, 1000, 100, 2));
        AtomicBoolean cut = new AtomicBoolean();
        try (QuotaGate gate = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut))) {
            Admitted first = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50));
            Admitted second = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50));
            Map<String, Object> taken = period(u);
            cut.set(true);
            gate.settleLater(new Settlement(first.requestId(), "completed", 10, 5, "dev-echo", 1, "upstream"));
            gate.settleLater(new Settlement(second.requestId(), "completed", 10, 5, "dev-echo", 1, "upstream"));
            gate.plansChanged(); // the lease is given back ... but nothing can reach Postgres

            await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertThat(period(u)).as("what the lease took stays counted while no flush succeeds").isEqualTo(taken);
            assertThat(scalar("select count(*) from public.ai_usage where user_id = ?", u.id())).isZero();

            cut.set(false);

            await().atMost(Duration.ofSeconds(10)).until(() -> scalar("select count(*) from public.ai_usage where user_id = ?", u.id()) == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> ((Number) period(u).get("tokens_reserved")).longValue() == 0);
            Map<String, Object> row = period(u);
            assertThat(((Number) row.get("requests_used")).intValue()).isEqualTo(2);
            assertThat(row.get("tokens_used")).isEqualTo(30L);
            assertThat(row.get("rate_held")).isEqualTo(0);
        }
    }

    @Test
    void aLeasedRequestNeverSettledIsChargedInFullAfterTheReservationTtl() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "unsettled");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 100, 10_000L, 1000, 100, 2));
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            Admitted lost = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50));

            gate.leases().chargeLost(System.nanoTime() + Duration.ofMinutes(16).toNanos());
            gate.giveBackLeases();

            Map<String, Object> row = period(u);
            assertThat(row.get("tokens_used")).isEqualTo(60L);
            assertThat(row.get("tokens_reserved")).isEqualTo(0L);
            assertThat(((Number) row.get("requests_used")).intValue()).isEqualTo(1);
            try (Connection c = db.connect()) {
                assertThat(Postgrest.scalar(c, "select outcome from public.ai_usage where request_id = ?", lost.requestId().toString()))
                        .isEqualTo("expired");
                assertThat(Postgrest.scalar(c, "select total_tokens from public.ai_usage where request_id = ?", lost.requestId().toString()))
                        .isEqualTo(60L);
            }
        }
    }

    @Test
    void requestsAfterTheFirstAreAdmittedWithoutARoundTripAndAnswerAsPerRequestAdmissionWould() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "local");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 10, null, 60, 100, 2));
        AtomicBoolean cut = new AtomicBoolean();
        try (QuotaGate gate = new QuotaGate(CuttableDataSource.of(db.dataSource(), cut))) {
            gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50)); // a lease of 1
            Admitted first = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50)); // a lease of 2
            cut.set(true);
            Admitted next = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 50));
            cut.set(false);

            assertThat(first.limits().requestsUsed()).isEqualTo(2);
            assertThat(next.limits().requestsUsed()).isEqualTo(3);
            assertThat(next.limits().rpmRemaining()).isEqualTo(first.limits().rpmRemaining() - 1);
            assertThat(next.limits().tokensUsed()).isEqualTo(180);
            assertThat(next.grantedOutputTokens()).isEqualTo(50);
        }
    }

    /** 64 requests in a tight loop, settling each at once: the user's lease grows past 64 requests (1, 8, 64, ...). */
    private static void growToLargestBlock(QuotaGate gate, AuthUser u) {
        for (int i = 0; i < 64; i++) {
            admitAndSettle(gate, u);
        }
    }

    /** One request of 1 prompt token that must be admitted, settled at once as 1 + 1 tokens. */
    private static void admitAndSettle(QuotaGate gate, AuthUser u) {
        Admitted a = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10));
        gate.settleLater(new Settlement(a.requestId(), "completed", 1, 1, "dev-echo", 1, "upstream"));
    }

    @Test
    void aBusyLeaseIsCheckedBeforeItsLifeEndsAndKeepsAdmittingWithoutATake() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "busy");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            growToLargestBlock(gate, u);
            long takes = gate.leases().takes();
            long until = System.nanoTime() + QuotaLeases.LIFE_NANOS * 2;
            int sent = 0;
            while (System.nanoTime() < until) { // 4 a second for two lives: 24 of the block's 64
                admitAndSettle(gate, u);
                sent++;
                Thread.sleep(250);
            }

            assertThat(gate.leases().takes()).as("%d requests over two lease lives, admitted by one checked lease", sent).isEqualTo(takes);
            gate.giveBackLeases();
            Map<String, Object> row = period(u);
            assertThat(((Number) row.get("requests_used")).intValue()).isEqualTo(64 + sent);
            assertThat(row.get("tokens_used")).isEqualTo(2L * (64 + sent));
            assertThat(row.get("tokens_reserved")).isEqualTo(0L);
        }
    }

    @Test
    void aFastUserWhoDoesNotStreamTakesLeasesLargerThanStreamingUsersDo() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "fast");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        int sent = 3_000;
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            for (int i = 0; i < sent; i++) {
                admitAndSettle(gate, u);
            }

            assertThat(gate.leases().takes()).as("3,000 requests in a tight loop; leases of 64 would need 47 takes")
                    .isLessThanOrEqualTo(8);
            gate.giveBackLeases();
            Map<String, Object> row = period(u);
            assertThat(((Number) row.get("requests_used")).intValue()).isEqualTo(sent);
            assertThat(row.get("tokens_reserved")).isEqualTo(0L);
            assertThat(row.get("rate_held")).isEqualTo(0);
        }
    }

    @Test
    void aBusyLeaseRunningLowGrowsAtItsCheckSoASteadyUserTakesNoNewLease() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "busygrow");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        java.util.concurrent.atomic.AtomicInteger waits = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger grants = new java.util.concurrent.atomic.AtomicInteger();
        QuotaEvents events = new QuotaEvents() {
            @Override
            public void leaseWaited(long waitedNanos) {
                waits.incrementAndGet();
            }

            @Override
            public void leaseGrown(int requests) {
                grants.addAndGet(requests);
            }
        };
        try (QuotaGate gate = new QuotaGate(db.dataSource(), events)) {
            growToLargestBlock(gate, u);
            long takes = gate.leases().takes();
            assertThat(waits).as("one wait per lease taken (one request at a time)").hasValue((int) takes);
            long until = System.nanoTime() + QuotaLeases.LIFE_NANOS * 2;
            int sent = 0;
            while (System.nanoTime() < until) { // 20 a second for two lives: about twice the block's 64
                admitAndSettle(gate, u);
                sent++;
                Thread.sleep(50);
            }

            assertThat(sent).as("more requests than the largest block holds").isGreaterThan(QuotaLeases.MAX_BLOCK);
            assertThat(gate.leases().takes()).as("%d requests over two lease lives, admitted by one grown lease", sent).isEqualTo(takes);
            assertThat(gate.leases().grown()).isPositive();
            assertThat(grants).as("the grants the metrics were told of").hasValue((int) gate.leases().grown());
            assertThat(waits).as("no request waited on Postgres after the first 64").hasValue((int) takes);
            gate.giveBackLeases();
            Map<String, Object> row = period(u);
            assertThat(((Number) row.get("requests_used")).intValue()).isEqualTo(64 + sent);
            assertThat(row.get("tokens_used")).isEqualTo(2L * (64 + sent));
            assertThat(row.get("tokens_reserved")).isEqualTo(0L);
            assertThat(row.get("rate_held")).isEqualTo(0);
            assertThat(scalar("select count(*) from private.ai_reservations where user_id = ?", u.id())).isZero();
        }
    }

    /**
     * Property: two instances sending one user's requests steadily, so that their leases grow at their checks,
     * never admit past the monthly request limit together, and once the leases are given back the period row
     * counts exactly what was admitted, with nothing held. Seeded: the limit and each instance's pace.
     */
    @Test
    void growingLeasesOnTwoInstancesNeverPassTheRequestLimitAndGiveBackExactly() throws Exception {
        Random random = Seeds.random("growingLeasesOnTwoInstancesNeverPassTheRequestLimitAndGiveBackExactly");
        int limit = 300 + random.nextInt(200);
        AuthUser u = Users.signUp(db.dataSource(), "growlimit");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), limit, null, 100_000, 100, 2));
        try (HikariDataSource second = Database.pool(db.url(), 4, "instance-b");
                QuotaGate a = new QuotaGate(db.dataSource());
                QuotaGate b = new QuotaGate(second);
                ExecutorService pool = Executors.newFixedThreadPool(2)) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(16);
            List<Future<Integer>> admittedBy = new ArrayList<>();
            for (QuotaGate g : List.of(a, b)) {
                int pauseMillis = 25 + random.nextInt(20); // 22 to 40 a second each
                admittedBy.add(pool.submit(() -> {
                    int admitted = 0;
                    int refusedInARow = 0;
                    while (System.nanoTime() < until && refusedInARow < 5) {
                        Admission answer = g.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10));
                        if (answer instanceof Admitted adm) {
                            admitted++;
                            refusedInARow = 0;
                            g.settleLater(new Settlement(adm.requestId(), "completed", 1, 1, "dev-echo", 1, "upstream"));
                        } else {
                            assertThat(((Rejected) answer).reason()).isEqualTo(Reason.INSUFFICIENT_QUOTA);
                            refusedInARow++;
                        }
                        Thread.sleep(pauseMillis);
                    }
                    return admitted;
                }));
            }
            int admitted = admittedBy.get(0).get() + admittedBy.get(1).get();
            a.giveBackLeases();
            b.giveBackLeases();

            String context = "limit " + limit;
            assertThat(a.leases().grown() + b.leases().grown()).as(context + ": leases grew at their checks").isPositive();
            assertThat(admitted).as(context).isLessThanOrEqualTo(limit);
            Map<String, Object> row = period(u);
            assertThat(((Number) row.get("requests_used")).intValue()).as(context).isEqualTo(admitted);
            assertThat(row.get("tokens_used")).as(context).isEqualTo(2L * admitted);
            assertThat(row.get("tokens_reserved")).as(context).isEqualTo(0L);
            assertThat(row.get("rate_held")).as(context).isEqualTo(0);
            assertThat(scalar("select count(*) from public.ai_usage where user_id = ?", u.id())).as(context).isEqualTo(admitted);
            assertThat(scalar("select count(*) from private.ai_reservations where user_id = ?", u.id())).as(context).isZero();
        }
    }

    @Test
    void aPlanChangeMadeElsewhereReachesABusyLeaseWithinOneLife() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "busyreplan");
        String plan = Users.plan(db.dataSource(), null, null, 100_000, 100, 2);
        Users.subscribe(db.dataSource(), u.id(), plan);
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            growToLargestBlock(gate, u);
            Thread.sleep(QuotaLeases.LIFE_NANOS / 2_000_000); // the lease's first check is due before the change's life ends

            try (Connection c = db.connect()) {
                Postgrest.update(c, "update public.plans set allowed_models = array['claude-haiku'] where id = ?", plan);
            }
            long changed = System.nanoTime();
            long lastAdmitted = changed;
            Admission answer;
            do {
                answer = gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 10));
                if (answer instanceof Admitted a) {
                    lastAdmitted = System.nanoTime();
                    gate.settleLater(new Settlement(a.requestId(), "completed", 1, 1, "dev-echo", 1, "upstream"));
                    Thread.sleep(100);
                }
            } while (answer instanceof Admitted && System.nanoTime() - changed < 3 * QuotaLeases.LIFE_NANOS);

            assertThat(answer).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.MODEL_NOT_ALLOWED));
            assertThat(Duration.ofNanos(lastAdmitted - changed)).as("admitted under the old plan after the change")
                    .isLessThanOrEqualTo(Duration.ofNanos(QuotaLeases.LIFE_NANOS));
        }
    }

    @Test
    void aBusyLeaseWhoseRowIsGoneRetiresAtItsCheck() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "busygone");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 100_000, 100, 2));
        try (QuotaGate gate = new QuotaGate(db.dataSource())) {
            growToLargestBlock(gate, u);
            long takes = gate.leases().takes();
            try (Connection c = db.connect()) { // as the sweep does to a lease no instance renewed
                Postgrest.update(c, "delete from private.ai_reservations where user_id = ? and lease_requests is not null", u.id());
            }
            long until = System.nanoTime() + QuotaLeases.LIFE_NANOS + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < until && gate.leases().takes() == takes) {
                admitAndSettle(gate, u);
                Thread.sleep(100);
            }

            assertThat(gate.leases().takes()).as("a new lease taken within one life of the old one's row going").isEqualTo(takes + 1);
        }
    }
}
