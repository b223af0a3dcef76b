package dev.gatehouse.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code maintenance.prune}: what it deletes (task results expired over 30 days, share views of hours
 * before the previous one) and keeps, in batches, and how the service keeps it running once an hour.
 */
class PruneJobTest {
    static final String STUDENT = "a0000000-0000-4000-8000-000000000001";
    static final String THIS_HOUR_KEY = "'maintenance.prune:' || to_char(date_trunc('hour', now() at time zone 'UTC'), 'YYYY-MM-DD\"T\"HH24')";
    static final String NEXT_HOUR_KEY = "'maintenance.prune:' || to_char(date_trunc('hour', now() at time zone 'UTC') + interval '1 hour', 'YYYY-MM-DD\"T\"HH24')";

    TestDatabase db;
    UUID share;

    @BeforeEach
    void givenResultsAndViewsOfEveryAge() throws Exception {
        db = TestDatabase.migrated();
        try (Connection c = db.connect()) {
            Postgrest.update(c, """
                    insert into private.task_results (user_id, cache_key, task, model, output, expires_at)
                    select ?::uuid, encode(extensions.digest(label, 'sha256'), 'hex'), 'market-research', 'dev-echo', '{}', now() + age
                    from (values ('expired 31 days', interval '-31 days'), ('expired 40 days', interval '-40 days'),
                                 ('expired 29 days', interval '-29 days'), ('fresh', interval '1 hour')) t (label, age)""", STUDENT);
            UUID prompt = (UUID) Postgrest.scalar(c, "insert into public.prompts (user_id, title, body) values (?::uuid, 'Shared', 'Body') returning id", STUDENT);
            share = (UUID) Postgrest.scalar(c, "insert into public.shared_prompts (prompt_id, user_id, token_hash) values (?, ?::uuid, repeat('c', 64)) returning id",
                    prompt, STUDENT);
            // 25,000 views two hours back and older: more than two batches
            Postgrest.update(c, """
                    insert into private.prompt_share_views (share_id, hour, viewer_hash)
                    select ?, date_trunc('hour', now()) - interval '2 hours' - (n % 48) * interval '1 hour', md5(n::text)
                    from generate_series(1, 25000) n""", share);
            Postgrest.update(c, """
                    insert into private.prompt_share_views (share_id, hour, viewer_hash)
                    values (?, date_trunc('hour', now()), 'this hour'), (?, date_trunc('hour', now()) - interval '1 hour', 'previous hour')""",
                    share, share);
        }
    }

    @AfterEach
    void dropTheDatabase() {
        db.close();
    }

    @Test
    void aRunDeletesTaskResultsExpiredOverThirtyDaysAndShareViewsOfPastHoursInBatchesAndQueuesTheNextHour() throws Exception {
        Outcome outcome = new PruneJob(db.dataSource()).run(new JobRow(1, "maintenance.prune", new ObjectMapper().createObjectNode(), null, Instant.now()));

        assertThat(outcome).isInstanceOf(Outcome.Done.class);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.rows(c, "select task from private.task_results where user_id = ?::uuid", STUDENT))
                    .as("results expired under 30 days ago, and fresh ones, stay: the stale stand-ins").hasSize(2);
            assertThat(Postgrest.rows(c, "select viewer_hash from private.prompt_share_views where share_id = ? order by 1", share))
                    .extracting(r -> r.get("viewer_hash")).containsExactly("previous hour", "this hour");
            assertThat(Postgrest.rows(c, "select run_at from private.jobs where kind = 'maintenance.prune' and status = 'pending' and dedupe_key = " + NEXT_HOUR_KEY
                    + " and run_at = date_trunc('hour', now() at time zone 'UTC') at time zone 'UTC' + interval '1 hour'")).hasSize(1);
        }
    }

    @Test
    void oneCallDeletesAtMostABatch() throws Exception {
        try (Connection c = db.connect()) {
            Map<String, Object> first = Postgrest.rows(c, "select * from private.prune_expired_rows(now(), 1)").getFirst();

            assertThat(first).containsEntry("task_results", 1L).containsEntry("prompt_share_views", 1L);
            assertThat(Postgrest.scalar(c, "select count(*) from private.task_results")).isEqualTo(3L);
        }
    }

    @Test
    void theServiceQueuesThisHoursPruningOnceHoweverOftenItStartsAndItsWorkerRunsIt() throws Exception {
        try (RunningService first = RunningService.start(db.dataSource(), Map.of("JOBS_POLL_MS", "200", "EMAIL_WORKER", "off"))) {
            PruneJob.scheduleThisHour(db.dataSource()); // a second instance starting in the same hour

            await().atMost(Duration.ofSeconds(20)).until(() -> count("select count(*) from private.prompt_share_views where share_id = ?", share) == 2);
            assertThat(count("select count(*) from private.jobs where dedupe_key = " + THIS_HOUR_KEY)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> count("select count(*) from private.jobs where dedupe_key = " + THIS_HOUR_KEY
                    + " and status = 'succeeded'") == 1);
            assertThat(count("select count(*) from private.jobs where dedupe_key = " + NEXT_HOUR_KEY + " and status = 'pending'")).isEqualTo(1);
        }
    }

    private long count(String sql, Object... params) throws Exception {
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, sql, params)).longValue();
        }
    }

}
