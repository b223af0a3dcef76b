package dev.gatehouse.rls;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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

    /** Runs one statement as {@code who} in its own rolled-back Data API transaction. */
    static Outcome attempt(Postgrest api, Persona who, String sql, Object... params) throws SQLException {
        return api.as(who, c -> observe(c, sql, params));
    }

    /** Runs one statement on {@code c} (whose transaction the caller owns) and classifies it. */
    static Outcome observe(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            int affected;
            if (s.execute()) {
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
