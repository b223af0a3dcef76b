package dev.gatehouse.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import javax.sql.DataSource;

/**
 * Runs SQL the way PostgREST runs a Data API request: one transaction that first sets, transaction-
 * locally, the {@code role} and {@code request.jwt.claims} (and the search path PostgREST uses), then
 * runs the query. Tests always roll back, so each request sees the template's data.
 */
public final class Postgrest {
    private final DataSource db;

    public Postgrest(DataSource db) {
        this.db = db;
    }

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} as {@code who} in one transaction, rolled back afterwards. */
    public <T> T as(Persona who, Work<T> work) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                enter(c, who);
                return work.run(c);
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    /** Like {@link #as} but commits, for tests that need the change to be seen afterwards. */
    public <T> T asAndCommit(Persona who, Work<T> work) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                enter(c, who);
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    static void enter(Connection c, Persona who) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select set_config('search_path', 'public, extensions', true), set_config('role', ?, true), set_config('request.jwt.claims', ?, true)")) {
            ps.setString(1, who.role());
            ps.setString(2, who.claimsJson());
            ps.execute();
        }
    }

    /**
     * The role's own settings ({@code alter role ... set}) as PostgREST 11.1+ applies them to each
     * request it impersonates the role for ("impersonated role settings"): name and value.
     */
    public static List<Map<String, Object>> roleSettings(Connection c, String role) throws SQLException {
        return rows(c, """
                select split_part(x, '=', 1) as name, substr(x, strpos(x, '=') + 1) as value
                from pg_catalog.pg_db_role_setting s join pg_catalog.pg_roles r on r.oid = s.setrole, unnest(s.setconfig) x
                where r.rolname = ? and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))""", role);
    }

    /** Applies {@code settings} (from {@link #roleSettings}) transaction-locally, as PostgREST does. */
    public static void applySettings(Connection c, List<Map<String, Object>> settings) throws SQLException {
        for (Map<String, Object> setting : settings) {
            scalar(c, "select set_config(?, ?, true)", setting.get("name"), setting.get("value"));
        }
    }

    /** Rows of a query as maps, for readable assertions. */
    public static List<Map<String, Object>> rows(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<Map<String, Object>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    public static Object scalar(Connection c, String sql, Object... params) throws SQLException {
        List<Map<String, Object>> r = rows(c, sql, params);
        return r.isEmpty() ? null : r.getFirst().values().iterator().next();
    }

    /** The server process of {@code c}, to watch it in pg_stat_activity. */
    public static int backendPid(Connection c) throws SQLException {
        return ((Number) scalar(c, "select pg_backend_pid()")).intValue();
    }

    /** Whether backend {@code pid} is waiting for a lock now: how tests see that an interleaving has reached its wait. */
    public static boolean waitingOnALock(DataSource db, int pid) throws SQLException {
        try (Connection c = db.getConnection()) {
            return scalar(c, "select 1 from pg_stat_activity where pid = ? and wait_event_type = 'Lock'", pid) != null;
        }
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }
}
