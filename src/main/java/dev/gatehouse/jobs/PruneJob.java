package dev.gatehouse.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code maintenance.prune}, once an hour: deletes task results expired over 30 days and share-view
 * rows of past hours ({@code private.prune_expired_rows}), batch after batch until a batch comes back
 * short, then queues the next hour's run. The hour's dedupe key makes it one run per hour however many
 * instances run workers; {@link #scheduleThisHour} at start restarts the chain after an outage.
 */
public final class PruneJob implements Job {
    private static final Logger log = LoggerFactory.getLogger(PruneJob.class);
    static final int BATCH = 10_000;
    /** Bounds one run: 100 batches of 10,000 rows; what is left waits for the next hour. */
    private static final int MAX_BATCHES = 100;
    private static final String PRUNE = "select task_results, prompt_share_views, prune_jobs from private.prune_expired_rows(now(), ?)";
    private static final String SCHEDULE = "select private.schedule_pruning(now() + ?::interval)";

    private final DataSource db;

    public PruneJob(DataSource db) {
        this.db = db;
    }

    @Override
    public String kind() {
        return "maintenance.prune";
    }

    @Override
    public Outcome run(JobRow job) throws SQLException {
        long results = 0;
        long views = 0;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(PRUNE)) {
            ps.setInt(1, BATCH);
            for (int batch = 0; batch < MAX_BATCHES; batch++) {
                long r;
                long v;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    r = rs.getLong(1);
                    v = rs.getLong(2);
                }
                results += r;
                views += v;
                if (r < BATCH && v < BATCH) {
                    break;
                }
            }
        }
        schedule(db, "1 hour");
        log.info("pruned {} expired task results and {} past share views", results, views);
        return new Outcome.Done(null);
    }

    /** Queues this hour's run (due now), unless it was queued already. */
    public static void scheduleThisHour(DataSource db) throws SQLException {
        schedule(db, "0");
    }

    private static void schedule(DataSource db, String ahead) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(SCHEDULE)) {
            ps.setString(1, ahead);
            ps.execute();
        }
    }
}
