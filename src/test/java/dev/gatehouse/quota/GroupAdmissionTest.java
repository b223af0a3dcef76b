package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.db.Database;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.quota.Admission.Reason;
import dev.gatehouse.quota.Admission.Rejected;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Group admission ({@code private.ai_admit_many} behind {@link GroupAdmission}) keeps every limit exact. */
class GroupAdmissionTest {
    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(24);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** Group admission serves streams, and every request with leases off; leased admission has its own tests (QuotaLeasesTest). */
    private static QuotaGate perRequest(javax.sql.DataSource source) {
        return new QuotaGate(source, QuotaEvents.NONE, false);
    }

    @Test
    void oneGroupWithTheSameUserFiveTimesOnAThreeRequestPlanAdmitsExactlyTheFirstThree() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "group-same");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 3, null, 1000, 100, 2));
        UUID[] requests = new UUID[5];
        for (int i = 0; i < 5; i++) {
            requests[i] = UUID.randomUUID();
        }

        Map<Integer, String> outcome = new HashMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "select slot, admitted, reason, requests_used from private.ai_admit_many(?, ?, ?, ?, ?, ?, ?, ?)")) {
            UUID[] users = {u.id(), u.id(), u.id(), u.id(), u.id()};
            ps.setArray(1, c.createArrayOf("uuid", users));
            ps.setArray(2, c.createArrayOf("uuid", requests));
            ps.setArray(3, c.createArrayOf("text", new String[] {"dev-echo", "dev-echo", "dev-echo", "dev-echo", "dev-echo"}));
            ps.setArray(4, c.createArrayOf("text", new String[5]));
            ps.setArray(5, c.createArrayOf("bool", new Boolean[] {false, false, false, false, false}));
            ps.setArray(6, c.createArrayOf("int4", new Integer[] {10, 10, 10, 10, 10}));
            ps.setArray(7, c.createArrayOf("int4", new Integer[] {20, 20, 20, 20, 20}));
            ps.setArray(8, c.createArrayOf("uuid", new UUID[5]));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    outcome.put(rs.getInt("slot"), rs.getBoolean("admitted") ? "admitted" : rs.getString("reason"));
                }
            }
            assertThat(Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", u.id())).isEqualTo(3);
            assertThat(Postgrest.scalar(c, "select count(*) from private.ai_reservations where user_id = ?", u.id())).isEqualTo(3L);
        }

        assertThat(outcome).containsExactlyInAnyOrderEntriesOf(Map.of(
                1, "admitted", 2, "admitted", 3, "admitted", 4, "insufficient_quota", 5, "insufficient_quota"));
    }

    /**
     * Property: bursts from several users at once, through two service instances (two pools, two
     * gates) on one database, with random limits: each user gets exactly min(burst, limit) requests
     * (or stays within the token limit), the period rows agree, and groups of more than one formed.
     */
    @Test
    void concurrentGroupsAcrossTwoInstancesNeverExceedAnyUsersLimit() throws Exception {
        Random random = Seeds.random("concurrentGroupsAcrossTwoInstancesNeverExceedAnyUsersLimit");
        QuotaGate gateA = perRequest(db.dataSource());
        try (HikariDataSource second = Database.pool(db.url(), 12, "instance-b");
                QuotaGate gateB = perRequest(second);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            int largest = 0;
            for (int round = 0; round < 6; round++) {
                int users = 2 + random.nextInt(6);
                List<AuthUser> who = new ArrayList<>();
                List<Integer> limits = new ArrayList<>();
                List<Long> tokenLimits = new ArrayList<>();
                List<QuotaGate.Ask> asks = new ArrayList<>();
                List<Integer> prompts = new ArrayList<>();
                for (int k = 0; k < users; k++) {
                    int limit = 1 + random.nextInt(12);
                    Long tokenLimit = random.nextBoolean() ? 300L + random.nextInt(1500) : null;
                    AuthUser u = Users.signUp(db.dataSource(), "group" + round + "-" + k);
                    Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), limit, tokenLimit, 100_000, 200, 50));
                    who.add(u);
                    limits.add(limit);
                    tokenLimits.add(tokenLimit);
                    int burst = limit + random.nextInt(2 * limit + 4);
                    for (int i = 0; i < burst; i++) {
                        int prompt = 1 + random.nextInt(120);
                        asks.add(new QuotaGate.Ask(u.id(), "dev-echo", null, random.nextInt(4) == 0, prompt, 1 + random.nextInt(200)));
                        prompts.add(prompt);
                    }
                }
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Admission>> results = new ArrayList<>();
                for (int i = 0; i < asks.size(); i++) {
                    QuotaGate g = random.nextBoolean() ? gateA : gateB;
                    QuotaGate.Ask ask = asks.get(i);
                    results.add(pool.submit(() -> {
                        start.await();
                        return g.admit(ask);
                    }));
                }
                start.countDown();
                Map<UUID, Integer> admitted = new HashMap<>();
                Map<UUID, Long> reserved = new HashMap<>();
                for (int i = 0; i < asks.size(); i++) {
                    if (results.get(i).get() instanceof Admitted a) {
                        admitted.merge(asks.get(i).userId(), 1, Integer::sum);
                        reserved.merge(asks.get(i).userId(), (long) prompts.get(i) + a.grantedOutputTokens(), Long::sum);
                    }
                }
                for (int k = 0; k < users; k++) {
                    UUID id = who.get(k).id();
                    int got = admitted.getOrDefault(id, 0);
                    String context = "round " + round + ", user " + k + ": limit " + limits.get(k) + ", token limit " + tokenLimits.get(k);
                    assertThat(got).as(context).isLessThanOrEqualTo(limits.get(k));
                    if (tokenLimits.get(k) == null) {
                        assertThat(got).as(context).isEqualTo(limits.get(k));
                    } else {
                        assertThat(reserved.getOrDefault(id, 0L)).as(context).isLessThanOrEqualTo(tokenLimits.get(k));
                    }
                    try (Connection c = db.connect()) {
                        assertThat(Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", id))
                                .as(context).isEqualTo(got);
                    }
                }
                largest = Math.max(largest, Math.max(gateA.largestAdmissionGroup(), gateB.largestAdmissionGroup()));
            }
            assertThat(largest).as("bursts of dozens of callers formed groups").isGreaterThan(1);
        } finally {
            gateA.close();
        }
    }

    @Test
    void aDeletedUserInAGroupIsRefusedAloneAndTheOthersAreAdmitted() throws Exception {
        AuthUser gone = Users.signUp(db.dataSource(), "group-gone");
        List<AuthUser> others = new ArrayList<>();
        String roomy = Users.plan(db.dataSource(), null, null, 1000, 100, 2);
        for (int i = 0; i < 6; i++) {
            AuthUser u = Users.signUp(db.dataSource(), "group-other" + i);
            Users.subscribe(db.dataSource(), u.id(), roomy);
            others.add(u);
        }
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("delete from auth.users where id = ?")) {
            ps.setObject(1, gone.id());
            ps.executeUpdate();
        }
        QuotaGate gate = perRequest(db.dataSource());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 5; round++) {
                CountDownLatch start = new CountDownLatch(1);
                Future<Admission> refused = pool.submit(() -> {
                    start.await();
                    return gate.admit(new QuotaGate.Ask(gone.id(), "dev-echo", null, false, 5, 10));
                });
                List<Future<Admission>> admitted = new ArrayList<>();
                for (AuthUser u : others) {
                    for (int i = 0; i < 4; i++) {
                        admitted.add(pool.submit(() -> {
                            start.await();
                            return gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 10));
                        }));
                    }
                }
                start.countDown();

                assertThatThrownBy(refused::get).cause().isInstanceOfSatisfying(Refusal.class,
                        r -> assertThat(r.code()).isEqualTo("user_not_found"));
                for (Future<Admission> f : admitted) {
                    assertThat(f.get()).isInstanceOf(Admitted.class);
                }
            }
        } finally {
            gate.close();
        }
    }

    @Test
    void aGroupRefusalSpendsNothing() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "group-model");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), 10, null, 1000, 100, 2));
        QuotaGate gate = perRequest(db.dataSource());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Admission>> results = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return gate.admit(new QuotaGate.Ask(u.id(), "not-a-model", null, false, 5, 10));
                }));
            }
            start.countDown();
            for (Future<Admission> f : results) {
                assertThat(f.get()).isInstanceOfSatisfying(Rejected.class, r -> assertThat(r.reason()).isEqualTo(Reason.MODEL_NOT_ALLOWED));
            }
            try (Connection c = db.connect()) {
                assertThat(Postgrest.scalar(c, "select requests_used from private.ai_quota_periods where user_id = ?", u.id())).isEqualTo(0);
            }
        } finally {
            gate.close();
        }
    }
}
