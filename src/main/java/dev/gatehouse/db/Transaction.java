package dev.gatehouse.db;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work on one connection as one transaction: committed whole or rolled back, auto-commit restored after. */
public final class Transaction {
    /** Statements on the connection given to {@link #run}. */
    public interface Work {
        void run() throws SQLException;
    }

    private Transaction() {}

    public static void run(Connection c, Work work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
