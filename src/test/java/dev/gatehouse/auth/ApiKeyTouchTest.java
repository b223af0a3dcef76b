package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code api_keys.last_used_at} is written at most once a minute per key, however many requests use it at once. */
class ApiKeyTouchTest {
    private static TestDatabase db;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated(64);
        try (Connection c = db.connect()) {
            // Counts UPDATE statements started on api_keys, including those that end up changing no row.
            Postgrest.update(c, "create table public.test_key_updates (at timestamptz not null default clock_timestamp())");
            Postgrest.update(c, """
                    create function public.test_count_key_update() returns trigger language plpgsql as $$
                    begin insert into public.test_key_updates default values; return null; end $$""");
            Postgrest.update(c, """
                    create trigger test_count_key_update before update on public.api_keys
                    for each statement execute function public.test_count_key_update()""");
        }
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void manyConcurrentRequestsWithOneKeyStartOneLastUsedUpdate() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "busy-key");
        String key;
        try (Connection c = db.connect()) {
            Postgrest.scalar(c, "select set_config('request.jwt.claims', ?, false)", "{\"sub\":\"" + u.id() + "\",\"role\":\"authenticated\"}");
            key = (String) Postgrest.scalar(c, "select api_key from public.create_api_key('busy', '{chat}')");
        }
        try (ApiKeyStore store = new ApiKeyStore(db.dataSource()); Connection holder = db.connect();
                ExecutorService pool = Executors.newFixedThreadPool(16)) {
            // Hold the key's row so no touch can commit while the requests run: every one of them sees a stale last_used_at.
            holder.setAutoCommit(false);
            Postgrest.rows(holder, "select 1 from public.api_keys where key_hash = encode(extensions.digest(?, 'sha256'), 'hex') for update", key);
            List<Future<?>> requests = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                requests.add(pool.submit(() -> store.find(key).orElseThrow()));
            }
            for (Future<?> r : requests) {
                r.get();
            }
            holder.commit();

            await().atMost(Duration.ofSeconds(10)).until(() -> lastUsed(key) != null);
        }
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from public.test_key_updates")).isEqualTo(1L);
        }
    }

    private static Object lastUsed(String key) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, "select last_used_at from public.api_keys where key_hash = encode(extensions.digest(?, 'sha256'), 'hex')", key);
        }
    }
}
