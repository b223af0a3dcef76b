package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Users' statuses read in groups from the real {@code auth.users}: every caller gets its own user's status
 * (active, banned, anonymous, soft-deleted, or no such user), in one round trip with others when they ask
 * together, and a lone read answers as a grouped one does.
 */
class UserStatusReadsTest {
    private static TestDatabase db;
    private static final Map<UUID, UserStatus> expected = new HashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated(16);
        Random random = Seeds.random("UserStatusReadsTest");
        UserStatus[] kinds = {UserStatus.ACTIVE, UserStatus.BANNED, UserStatus.ANONYMOUS, UserStatus.DELETED};
        try (Connection c = db.connect()) {
            for (int i = 0; i < 60; i++) {
                UUID id = Users.signUp(db.dataSource(), "status-" + i).id();
                UserStatus kind = kinds[random.nextInt(kinds.length)];
                switch (kind) {
                    case BANNED -> Postgrest.update(c, "update auth.users set banned_until = now() + interval '1 day' where id = ?", id);
                    case ANONYMOUS -> Postgrest.update(c, "update auth.users set is_anonymous = true, email = null where id = ?", id);
                    case DELETED -> Postgrest.update(c, "update auth.users set deleted_at = now() where id = ?", id);
                    case ACTIVE -> {
                        if (random.nextBoolean()) { // a ban that has run out is no ban
                            Postgrest.update(c, "update auth.users set banned_until = now() - interval '1 minute' where id = ?", id);
                        }
                    }
                }
                expected.put(id, kind);
            }
        }
        for (int i = 0; i < 10; i++) {
            expected.put(UUID.randomUUID(), UserStatus.DELETED); // never signed up
        }
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void callersAskingTogetherEachGetTheirOwnUsersStatusInFewRoundTrips() throws Exception {
        List<UUID> asks = new ArrayList<>();
        Random random = Seeds.random("callersAskingTogetherEachGetTheirOwnUsersStatusInFewRoundTrips");
        List<UUID> users = new ArrayList<>(expected.keySet());
        for (int i = 0; i < 400; i++) {
            asks.add(users.get(random.nextInt(users.size())));
        }
        try (UserStatusReads reads = new UserStatusReads(db.dataSource()); ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<UserStatus>> answers = new ArrayList<>();
            for (UUID id : asks) {
                answers.add(callers.submit(() -> reads.read(id)));
            }
            for (int i = 0; i < asks.size(); i++) {
                assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).as("user %s", asks.get(i)).isEqualTo(expected.get(asks.get(i)));
            }
            assertThat(reads.largestGroup()).as("reads carried by one round trip").isGreaterThan(1);
        }
    }

    @Test
    void aLoneReadAnswersAsAGroupedOneDoes() throws Exception {
        try (UserStatusReads reads = new UserStatusReads(db.dataSource())) {
            for (Map.Entry<UUID, UserStatus> e : expected.entrySet()) {
                assertThat(reads.read(e.getKey())).as("user %s", e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(reads.largestGroup()).isEqualTo(1);
        }
    }
}
