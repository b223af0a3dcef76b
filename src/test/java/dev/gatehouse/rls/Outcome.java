package dev.gatehouse.rls;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * What one Data API statement did, in the three ways RLS and grants can answer (SUPABASE-FACTS §8):
 * it affected or returned rows, it failed with 42501 (missing grant, WITH CHECK, a guard trigger), or
 * it succeeded on zero rows because USING filtered them out. Any other error is not an access
 * decision, so it is thrown rather than folded into one of these.
 */
enum Outcome {
    ALLOW,
    DENY,
    NONE;

    static Outcome parse(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }

    /** Runs one statement on {@code c} (whose transaction the caller owns) and classifies it. */
    static Outcome observe(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            int affected;
            if (s.execute(sql)) {
                affected = 0;
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        affected++;
                    }
                }
            } else {
                affected = s.getUpdateCount();
            }
            return affected > 0 ? ALLOW : NONE;
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                return DENY;
            }
            throw new SQLException("not an access decision (" + e.getSQLState() + ") from: " + sql, e.getSQLState(), e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
