package dev.gatehouse.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code /ready} reads about a queue: backlog, not the calendar. A job scheduled for later (a session
 * reminder, the next hour's pruning) must not fail readiness by being counted as waiting.
 */
class QueueStatsTest {
    private static TestDatabase db;
    private DurableQueue<JobRow> jobs;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated(2);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @BeforeEach
    void empty() throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, "delete from private.jobs");
        }
        jobs = new DurableQueue<>(db.dataSource(), QueueTable.JOBS, JobRow.READER);
    }

    private void job(String runAt, String createdAt, String status, int attempts) throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into private.jobs (kind, run_at, created_at, status, attempts) values ('test.stats', now() + ?::interval, now() + ?::interval, ?, ?)",
                    runAt, createdAt, status, attempts);
        }
    }

    @Test
    void jobsScheduledAheadAndNeverTriedCountTowardsNeitherDepthNorAge() throws Exception {
        job("7 days", "-30 days", "pending", 0);
        job("1 hour", "0", "pending", 0);

        QueueStats s = jobs.stats();

        assertThat(s.depth()).isZero();
        assertThat(s.oldestPendingAgeSeconds()).isZero();
    }

    @Test
    void aScheduledJobAgesFromWhenItFellDueNotFromWhenItWasQueued() throws Exception {
        job("-10 minutes", "-30 days", "pending", 0);

        QueueStats s = jobs.stats();

        assertThat(s.depth()).isEqualTo(1);
        assertThat(s.oldestPendingAgeSeconds()).isCloseTo(600, within(30.0));
    }

    @Test
    void rowsWaitingForARetryOrHeldByAWorkerAreBacklogWhateverTheirDueTime() throws Exception {
        job("5 minutes", "-2 hours", "failed", 1);
        job("0", "-1 minute", "running", 1);
        job("-1 second", "-1 second", "pending", 0);
        job("0", "-3 days", "succeeded", 1);

        QueueStats s = jobs.stats();

        assertThat(s.depth()).isEqualTo(3);
        assertThat(s.oldestPendingAgeSeconds()).isCloseTo(7200, within(60.0));
    }
}
