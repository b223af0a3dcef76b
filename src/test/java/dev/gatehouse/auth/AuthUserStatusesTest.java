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
    final AuthUserStatuses statuses = new AuthUserStatuses(id -> {
        reads.incrementAndGet();
        return inDatabase;
    }, ttl, now::get);

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
        }, ttl, now::get);
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
        }, ttl, now::get);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.of(UUID.randomUUID())).isInstanceOf(java.sql.SQLException.class);
    }

    @Test
    void usersAreRememberedSeparately() throws Exception {
        statuses.of(UUID.randomUUID());
        statuses.of(UUID.randomUUID());

        assertThat(reads).hasValue(2);
    }
}
