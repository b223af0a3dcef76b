package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the usage ledger and the quota rows hold after admission and settlement meet at their edges:
 * a billing period boundary, an expired reservation, provider numbers past {@code integer}, clocks of
 * two instances that disagree. Interleavings are forced with row locks and observed lock waits.
 */
class LedgerAndLockOrderTest {
    private static final String ADMIT_AT = "select * from private.ai_admit(?, ?, 'dev-echo', null, ?, ?, ?, null, ?)";
    private static TestDatabase db;
    private static QuotaGate gate;
    private static ExecutorService threads;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(16);
        gate = new QuotaGate(db.dataSource());
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterAll
    static void tearDown() {
        threads.close();
        gate.close();
        db.close();
    }

    /** Admits a request as if at {@code at}, as an instance whose transaction started then would. */
    private static UUID admitAt(AuthUser u, Instant at, boolean stream, int prompt, int output) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = db.connect()) {
            Map<String, Object> row = Postgrest.rows(c, ADMIT_AT, u.id(), id, stream, prompt, output, Timestamp.from(at)).getFirst();
            assertThat(row.get("admitted")).as("admission at %s: %s", at, row).isEqualTo(true);
        }
        return id;
    }

    private static Settlement completed(UUID id, int prompt, int completion) {
        return new Settlement(id, "completed", prompt, completion, "dev-echo", 5, "upstream");
    }

    private static Object scalar(String sql, Object... params) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, sql, params);
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        return Postgrest.backendPid(c);
    }

    private static boolean waitingOnALock(int pid) throws SQLException {
        return Postgrest.waitingOnALock(db.dataSource(), pid);
    }

    private static Instant startOfThisMonth() {
        return OffsetDateTime.now(ZoneOffset.UTC).withDayOfMonth(1).toLocalDate().atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /**
     * A free user (calendar-month periods) with an unsettled reservation from last month and one from
     * this month. Admission sweeps last month's (expired) while a settlement batch settles both: each
     * must lock the two period rows in the same order, or one of them is a deadlock victim.
     */
    @Test
    void admissionSweepingLastMonthAndASettlementOfBothMonthsNeverDeadlock() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "boundary");
        Instant lastMonth = startOfThisMonth().minus(Duration.ofDays(3));
        UUID current = admitAt(u, Instant.now(), false, 10, 20);
        UUID old = admitAt(u, lastMonth, false, 10, 20); // after: an admission now would already sweep it

        try (Connection blocker = db.connect(); Connection admitter = db.connect(); Connection settler = db.connect()) {
            blocker.setAutoCommit(false);
            // given admission will stop at last month's reservation (the sweep deletes it) ...
            Postgrest.rows(blocker, "select 1 from private.ai_reservations where request_id = ? for update", old);
            int admitPid = backendPid(admitter);
            Future<Object> admission = threads.submit(() -> Postgrest.scalar(admitter,
                    "select admitted from private.ai_admit(?, ?, 'dev-echo', null, false, 1, 1)", u.id(), UUID.randomUUID()));
            await().atMost(Duration.ofSeconds(10)).until(() -> admission.isDone() || waitingOnALock(admitPid));
            assertThat(admission).as("admission waits for the sweep's row").isNotDone();
            // ... and a settlement batch of both months starts behind it
            int settlePid = backendPid(settler);
            Future<Object> settlement = threads.submit(() -> Postgrest.scalar(settler,
                    "select private.ai_settle_many(?::uuid[], '{completed,completed}', '{1,1}', '{2,2}', '{dev-echo,dev-echo}', '{1,1}', '{upstream,upstream}')",
                    "{" + old + "," + current + "}"));
            await().atMost(Duration.ofSeconds(10)).until(() -> settlement.isDone() || waitingOnALock(settlePid));

            // when the sweep may go on
            blocker.commit();

            // then both finish
            assertThat(admission.get(15, TimeUnit.SECONDS)).isEqualTo(true);
            assertThat(settlement.get(15, TimeUnit.SECONDS)).isEqualTo(2);
        }
        assertThat(scalar("select count(*) from public.ai_usage where request_id in (?, ?)", old.toString(), current.toString())).isEqualTo(2L);
    }

    @Test
    void aSettlementArrivingAfterItsReservationExpiredCorrectsTheFullChargeAndLeavesOneLedgerRow() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "late");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, 100_000L, 1000, 500, 2));
        UUID slow = admitAt(u, Instant.now().minus(Duration.ofHours(1)), true, 100, 400);

        gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 1, 1)); // sweeps the expired reservation
        assertThat(scalar("select outcome from public.ai_usage where request_id = ?", slow.toString()))
                .as("an expired reservation is in the ledger, charged in full").isEqualTo("expired");
        assertThat(scalar("select total_tokens from public.ai_usage where request_id = ?", slow.toString())).isEqualTo(500L);

        boolean settled = gate.settle(completed(slow, 100, 50));

        assertThat(settled).isTrue();
        try (Connection c = db.connect()) {
            var ledger = Postgrest.rows(c, "select outcome, prompt_tokens, completion_tokens, total_tokens from public.ai_usage where request_id = ?",
                    slow.toString());
            assertThat(ledger).hasSize(1);
            assertThat(ledger.getFirst()).containsEntry("outcome", "completed").containsEntry("total_tokens", 150L);
            assertThat(Postgrest.scalar(c, "select tokens_used from private.ai_quota_periods where user_id = ?", u.id()))
                    .as("charged what was used, not the reservation").isEqualTo(150L);
        }
    }

    @Test
    void theLedgerRecordsThePeriodARequestWasChargedToNotTheOneItSettledIn() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "rollover");
        Instant lastMonth = startOfThisMonth().minus(Duration.ofMinutes(1));
        UUID id = admitAt(u, lastMonth, false, 10, 20);

        gate.settle(completed(id, 10, 5));

        Timestamp period = (Timestamp) scalar("select period_start from public.ai_usage where request_id = ?", id.toString());
        assertThat(period.toInstant()).isEqualTo(startOfThisMonth().atOffset(ZoneOffset.UTC).minusMonths(1).toInstant());
    }

    @Test
    void providerTokenCountsPastIntegerSettleAsBigintInsteadOfFailing() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "huge");
        Admitted a = (Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 10, 10));

        boolean settled = gate.settle(completed(a.requestId(), 2_000_000_000, 2_000_000_000));

        assertThat(settled).isTrue();
        assertThat(scalar("select total_tokens from public.ai_usage where request_id = ?", a.requestId().toString())).isEqualTo(4_000_000_000L);
        assertThat(scalar("select tokens_used from private.ai_quota_periods where user_id = ?", u.id())).isEqualTo(4_000_000_000L);
    }

    @Test
    void theRateBucketsRefillClockNeverMovesBackwards() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "clock");
        Instant later = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        admitAt(u, later, false, 1, 1);

        // an instance whose transaction started earlier commits after it
        admitAt(u, later.minusSeconds(5), false, 1, 1);

        Timestamp refilled = (Timestamp) scalar("select rate_refilled_at from private.ai_quota_periods where user_id = ?", u.id());
        assertThat(refilled.toInstant()).isEqualTo(later);
    }
}
