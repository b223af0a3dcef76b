package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The account-state cache: one read per user and interval, and never older than its bound. */
class AuthUserStatusesTest {
    final AtomicLong now = new AtomicLong(1_000);
    final AtomicInteger reads = new AtomicInteger();
    volatile UserStatus inDatabase = UserStatus.ACTIVE;
    final long ttl = TimeUnit.SECONDS.toNanos(AuthUserStatuses.DEFAULT_TTL_SECONDS);
    /** Background reads wait here until a test runs them: what a caller does not wait for is visible. */
    final java.util.List<Runnable> queued = new java.util.ArrayList<>();
    final AuthUserStatuses statuses = new AuthUserStatuses(id -> {
        reads.incrementAndGet();
        return inDatabase;
    }, ttl, now::get, queued::add);

    @Test
    void aUsersRequestsWithinTheBoundCostOneRead() throws Exception {
        UUID user = UUID.randomUUID();

        for (int i = 0; i < 100; i++) {
            assertThat(statuses.of(user)).isEqualTo(UserStatus.ACTIVE);
            now.addAndGet(ttl / 200);
        }

        assertThat(reads).hasValue(1);
    }

    @Test
    void aDeletionIsSeenOnceTheBoundHasPassed() throws Exception {
        UUID user = UUID.randomUUID();
        statuses.of(user);
        inDatabase = UserStatus.DELETED;

        now.addAndGet(ttl - 1);
        UserStatus justBefore = statuses.of(user);
        now.addAndGet(1);
        UserStatus atTheBound = statuses.of(user);

        assertThat(justBefore).isEqualTo(UserStatus.ACTIVE);
        assertThat(atTheBound).isEqualTo(UserStatus.DELETED);
    }

    @Test
    void aSteadySessionIsReadAgainAheadOfExpiryWithoutWaitingForIt() throws Exception {
        UUID user = UUID.randomUUID();
        statuses.of(user);
        now.addAndGet(ttl - ttl / AuthUserStatuses.REFRESH_AHEAD_DIVISOR + 1); // inside the refresh window
        inDatabase = UserStatus.BANNED;

        UserStatus answered = statuses.of(user);
        int readsWhileAnswering = reads.get();
        statuses.of(user); // a second request meanwhile starts no second read
        assertThat(queued).hasSize(1);
        queued.removeFirst().run();
        now.addAndGet(ttl / AuthUserStatuses.REFRESH_AHEAD_DIVISOR); // past the first read's expiry
        UserStatus afterFirstExpiry = statuses.of(user);

        assertThat(answered).isEqualTo(UserStatus.ACTIVE); // from memory: the caller did not wait for the read
        assertThat(readsWhileAnswering).isEqualTo(1);
        assertThat(afterFirstExpiry).isEqualTo(UserStatus.BANNED); // the background read's answer, read in no request's path
        assertThat(reads).hasValue(2);
    }

    @Test
    void aFailedRefreshChangesNothingAndTheBoundStillFailsClosed() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean reachable = new java.util.concurrent.atomic.AtomicBoolean(true);
        AuthUserStatuses flaky = new AuthUserStatuses(id -> {
            if (!reachable.get()) {
                throw new java.sql.SQLException("database unreachable", "08001");
            }
            return UserStatus.ACTIVE;
        }, ttl, now::get, queued::add);
        UUID user = UUID.randomUUID();
        flaky.of(user);
        reachable.set(false);
        now.addAndGet(ttl - 2);

        UserStatus inWindow = flaky.of(user);
        queued.removeFirst().run(); // fails, logged
        now.addAndGet(1);
        UserStatus stillWithinBound = flaky.of(user);
        queued.removeFirst().run(); // a failed refresh frees its turn: the next request tries again
        now.addAndGet(1);

        assertThat(inWindow).isEqualTo(UserStatus.ACTIVE);
        assertThat(stillWithinBound).isEqualTo(UserStatus.ACTIVE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> flaky.of(user)).isInstanceOf(java.sql.SQLException.class);
    }

    @Test
    void backgroundReadsAreBoundedWhenManyUsersAreDueTogether() throws Exception {
        java.util.List<UUID> users = new java.util.ArrayList<>();
        for (int i = 0; i < 3 * AuthUserStatuses.MAX_REFRESHES; i++) {
            users.add(UUID.randomUUID());
            statuses.of(users.getLast());
        }
        now.addAndGet(ttl - 1);

        for (UUID u : users) {
            assertThat(statuses.of(u)).isEqualTo(UserStatus.ACTIVE);
        }
        int startedAtOnce = queued.size();
        queued.forEach(Runnable::run);
        queued.clear();
        statuses.of(users.getLast()); // turns freed: a user still due is refreshed now

        assertThat(startedAtOnce).isEqualTo(AuthUserStatuses.MAX_REFRESHES);
        assertThat(queued).hasSize(1);
    }

    @Test
    void callersThatMissTogetherShareOneRead() throws Exception {
        // given a read that waits until twenty callers have asked for the same user
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger slowReads = new AtomicInteger();
        AuthUserStatuses slow = new AuthUserStatuses(id -> {
            slowReads.incrementAndGet();
            try {
                asked.await();
            } catch (InterruptedException e) {
                throw new java.sql.SQLException(e);
            }
            return UserStatus.BANNED;
        }, ttl, now::get, Runnable::run);
        UUID user = UUID.randomUUID();

        // when they all miss at once
        java.util.List<java.util.concurrent.Future<UserStatus>> answers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                answers.add(pool.submit(() -> slow.of(user)));
            }
            org.awaitility.Awaitility.await().until(() -> slowReads.get() >= 1);
            asked.countDown();
            // then one read answered them all
            for (var answer : answers) {
                assertThat(answer.get()).isEqualTo(UserStatus.BANNED);
            }
        }
        assertThat(slowReads.get()).isLessThanOrEqualTo(2); // a caller may arrive after the first read ended and before it was remembered
    }

    @Test
    void aFailedSharedReadFailsEveryCallerThatSharedIt() {
        AuthUserStatuses failing = new AuthUserStatuses(id -> {
            throw new java.sql.SQLException("database unreachable", "08001");
        }, ttl, now::get, Runnable::run);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.of(UUID.randomUUID())).isInstanceOf(java.sql.SQLException.class);
    }

    @Test
    void usersAreRememberedSeparately() throws Exception {
        statuses.of(UUID.randomUUID());
        statuses.of(UUID.randomUUID());

        assertThat(reads).hasValue(2);
    }
}
