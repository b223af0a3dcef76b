package dev.gatehouse.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * One queue table in Postgres: claim due rows, finish them, recover rows whose worker died, count.
 * Safe with any number of workers on any number of instances: a claim takes rows with
 * {@code FOR UPDATE SKIP LOCKED}, and a finish only applies while the row is still held by the same
 * claim (same {@code locked_by} and {@code attempts}), so a worker that comes back after its lease
 * expired cannot overwrite the outcome of the worker that took the row over.
 */
public final class DurableQueue<T> {
    private static final int MAX_ERROR_CHARS = 2000;

    private final DataSource db;
    private final QueueTable t;
    private final Claimed.Reader<T> reader;
    private final String claim;
    private final String done;
    private final String retry;
    private final String defer;
    private final String fail;
    private final String skip;
    private final String recover;
    private final String releaseHeld;
    private final String stats;

    public DurableQueue(DataSource db, QueueTable t, Claimed.Reader<T> reader) {
        this.db = db;
        this.t = t;
        this.reader = reader;
        String held = " where id = ? and status = '" + t.claimedStatus() + "' and locked_by = ? and attempts = ?";
        String release = "locked_at = null, locked_by = null";
        this.claim = "with due as (select id from " + t.table()
                + " where status in ('pending', 'failed') and " + t.dueColumn() + " <= now()"
                + " order by " + t.dueColumn() + " limit ? for update skip locked)"
                + " update " + t.table() + " q set status = '" + t.claimedStatus() + "', locked_at = now(), locked_by = ?,"
                + " attempts = q.attempts + 1 from due where q.id = due.id"
                + " returning q.id, q.attempts, q.max_attempts, " + t.dataColumns();
        this.done = "update " + t.table() + " set status = '" + t.doneStatus() + "', " + release + ", last_error = null, "
                + t.doneAtColumn() + " = now()" + (t.refColumn() == null ? "" : ", " + t.refColumn() + " = ?") + t.onFinish() + held;
        this.retry = "update " + t.table() + " set status = case when attempts >= max_attempts then 'dead' else 'failed' end, "
                + release + ", last_error = ?, " + t.dueColumn() + " = now() + ? * interval '1 millisecond'" + held;
        this.defer = "update " + t.table() + " set status = 'failed', " + release + ", attempts = attempts - 1, last_error = ?, "
                + t.dueColumn() + " = ?" + held;
        this.fail = "update " + t.table() + " set status = 'dead', " + release + ", last_error = ?" + t.onFinish() + held;
        this.skip = "update " + t.table() + " set status = 'skipped', " + release + ", last_error = ?" + t.onFinish() + held;
        this.recover = "update " + t.table() + " set status = case when attempts >= max_attempts then 'dead' else 'failed' end, "
                + release + ", " + t.dueColumn() + " = now(), last_error = 'lease expired: the worker stopped mid-attempt'"
                + " where status = '" + t.claimedStatus() + "' and locked_at < now() - ? * interval '1 millisecond'";
        this.releaseHeld = "update " + t.table() + " set status = 'failed', " + release + ", attempts = attempts - 1, " + t.dueColumn() + " = now(),"
                + " last_error = 'released at shutdown: the instance stopped mid-attempt'"
                + " where status = '" + t.claimedStatus() + "' and locked_by = ?";
        // A row scheduled ahead and never tried (a reminder for next week, the next hour's pruning) is not
        // backlog: it counts towards neither depth nor age until it falls due, and then ages from that moment.
        String untried = "status = 'pending' and attempts = 0";
        String open = "status in ('pending', 'failed', '" + t.claimedStatus() + "') and not (" + untried + " and " + t.dueColumn() + " > now())";
        String waitingSince = "case when " + untried + " then greatest(created_at, " + t.dueColumn() + ") else created_at end";
        this.stats = "select count(*) filter (where " + open + "),"
                + " coalesce(extract(epoch from now() - min(" + waitingSince + ") filter (where " + open + ")), 0),"
                + " count(*) filter (where status = 'dead')"
                + " from " + t.table() + " where status in ('pending', 'failed', '" + t.claimedStatus() + "', 'dead')";
    }

    public QueueTable table() {
        return t;
    }

    /** Takes up to {@code limit} due rows for {@code workerId}, oldest due first. */
    public List<Claimed<T>> claim(int limit, String workerId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(claim)) {
            ps.setInt(1, limit);
            ps.setString(2, workerId);
            List<Claimed<T>> rows = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong("id");
                    rows.add(new Claimed<>(id, rs.getInt("attempts"), rs.getInt("max_attempts"), workerId, reader.read(id, rs)));
                }
            }
            return rows;
        }
    }

    /**
     * Records an outcome; false when the row was no longer held by this claim (its lease expired and
     * it was recovered), in which case nothing is written.
     */
    public boolean finish(Claimed<T> row, Outcome outcome, Backoff backoff) throws SQLException {
        try (Connection c = db.getConnection()) {
            PreparedStatement ps;
            int i = 1;
            switch (outcome) {
                case Outcome.Done d -> {
                    ps = c.prepareStatement(done);
                    if (t.refColumn() != null) {
                        ps.setString(i++, d.ref());
                    }
                }
                case Outcome.Retry r -> {
                    ps = c.prepareStatement(retry);
                    ps.setString(i++, clip(r.reason()));
                    Duration after = r.after() != null ? r.after() : backoff.after(row.attempts());
                    ps.setLong(i++, Math.max(after.toMillis(), 0));
                }
                case Outcome.Defer d -> {
                    ps = c.prepareStatement(defer);
                    ps.setString(i++, clip(d.reason()));
                    ps.setTimestamp(i++, Timestamp.from(d.until()));
                }
                case Outcome.Fail f -> {
                    ps = c.prepareStatement(fail);
                    ps.setString(i++, clip(f.reason()));
                }
                case Outcome.Skip k -> {
                    ps = c.prepareStatement(skip);
                    ps.setString(i++, clip(k.reason()));
                }
            }
            try (ps) {
                ps.setLong(i++, row.id());
                ps.setString(i++, row.lockedBy());
                ps.setInt(i, row.attempts());
                return ps.executeUpdate() == 1;
            }
        }
    }

    /** Puts rows held longer than {@code lease} back in line (or dead, if they used their attempts). */
    public int recoverExpired(Duration lease) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(recover)) {
            ps.setLong(1, lease.toMillis());
            return ps.executeUpdate();
        }
    }

    /**
     * Puts back every row {@code workerId} still holds, due now and with the attempt not counted, so another
     * instance takes it at once instead of after the lease. An attempt that finishes later is dropped by the
     * held-by check of {@link #finish} (its side effects carry idempotency keys).
     */
    public int releaseHeld(String workerId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(releaseHeld)) {
            ps.setString(1, workerId);
            return ps.executeUpdate();
        }
    }

    public QueueStats stats() throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(stats); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new QueueStats(rs.getLong(1), rs.getDouble(2), rs.getLong(3));
        }
    }

    private static String clip(String s) {
        if (s == null) {
            return null;
        }
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS);
    }
}
