package dev.gatehouse.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A worker that stops: it claims nothing more, and a row still in progress after the bound goes back at once, not after its lease. */
class WorkerShutdownTest {
    private static TestDatabase db;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated(4);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void aRowStillInProgressAtShutdownIsReleasedUncountedAndNothingMoreIsClaimed() throws Exception {
        long id;
        try (Connection c = db.connect()) {
            Postgrest.update(c, "delete from private.jobs");
            id = (Long) Postgrest.scalar(c, "insert into private.jobs (kind) values ('test.slow') returning id");
        }
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        QueueWorker<JobRow> worker = new QueueWorker<>("jobs", new DurableQueue<>(db.dataSource(), QueueTable.JOBS, JobRow.READER), row -> {
            started.incrementAndGet();
            never.await();
            return new Outcome.Done(null);
        }, new QueueWorker.Options(2, 16, Duration.ofMillis(50), Duration.ofMinutes(5), Backoff.DEFAULT)).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 1);

        worker.close(Duration.ofMillis(300));
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into private.jobs (kind) values ('test.after_close')");
        }

        try (Connection c = db.connect()) {
            Map<String, Object> row = Postgrest.rows(c, "select status, locked_by, attempts, run_at <= now() as due, last_error from private.jobs where id = ?", id).getFirst();
            assertThat(row).containsEntry("status", "failed").containsEntry("attempts", 0).containsEntry("due", true);
            assertThat(row.get("locked_by")).isNull();
            assertThat((String) row.get("last_error")).contains("released at shutdown");
            assertThat(Postgrest.scalar(c, "select status from private.jobs where kind = 'test.after_close'")).isEqualTo("pending");
        }
        assertThat(started.get()).isEqualTo(1);
        never.countDown();
    }
}
