package dev.gatehouse.jobs;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job worker: {@code private.jobs} drained through the same mechanism as the email outbox,
 * each row run by the {@link Job} of its kind. A kind nobody runs is dead at once (a bug to see).
 */
public final class JobQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobQueue.class);

    /** @param lease long enough for the slowest job (an AI call with retries) */
    public record Options(boolean enabled, int concurrency, Duration pollInterval, Duration lease, Backoff backoff) {}

    private final QueueRunner<JobRow> runner;

    private JobQueue(QueueRunner<JobRow> runner) {
        this.runner = runner;
    }

    public static JobQueue start(DataSource db, Options options, List<Job> jobs) {
        return start(db, options, jobs, QueueEvents.NONE);
    }

    /** @param events told each attempt's result by job kind (metrics) */
    public static JobQueue start(DataSource db, Options options, List<Job> jobs, QueueEvents events) {
        Map<String, Job> byKind = jobs.stream().collect(Collectors.toUnmodifiableMap(Job::kind, Function.identity()));
        QueueWorker.Handler<JobRow> handler = row -> {
            Job job = byKind.get(row.data().kind());
            if (job == null) {
                return new Outcome.Fail("no job runs kind '" + row.data().kind() + "'");
            }
            try {
                return job.run(row.data());
            } catch (IllegalArgumentException e) {
                return new Outcome.Fail(e.getMessage());
            }
        };
        QueueRunner<JobRow> runner = QueueRunner.start(options.enabled(), "jobs", new DurableQueue<>(db, QueueTable.JOBS, JobRow.READER), handler,
                new QueueWorker.Options(options.concurrency(), 16, options.pollInterval(), options.lease(), options.backoff()), events);
        log.info("jobs: {}", options.enabled() ? "running " + byKind.keySet().stream().sorted().toList() : "worker off (JOBS_WORKER=off)");
        return new JobQueue(runner);
    }

    public void wake() {
        runner.wake();
    }

    public QueueStats stats() throws SQLException {
        return runner.stats();
    }

    @Override
    public void close() {
        runner.close();
    }
}
