package dev.gatehouse.db;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work on one connection as one transaction: committed whole or rolled back, auto-commit restored after. */
public final class Transaction {
    /** Statements on the connection given to {@link #run}. */
    public interface Work {
        void run() throws SQLException;
    }

    /** Statements on the connection given to {@link #call}, and what they found. */
    public interface Result<T> {
        T run() throws SQLException;
    }

    private Transaction() {}

    public static void run(Connection c, Work work) throws SQLException {
        call(c, () -> {
            work.run();
            return null;
        });
    }

    /** As {@link #run}, returning what {@code work} returned once it has committed. */
    public static <T> T call(Connection c, Result<T> work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            T result = work.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
