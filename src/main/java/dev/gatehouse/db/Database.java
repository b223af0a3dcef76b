package dev.gatehouse.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections to the service's database: a HikariCP pool for serving, single connections for CLI work. */
public final class Database {
    static final int CONNECT_TIMEOUT_SECONDS = 5;
    static final int LOGIN_TIMEOUT_SECONDS = 8;

    private Database() {}

    public static HikariDataSource pool(DatabaseUrl url, int size, String name) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url.jdbcUrl());
        if (url.user() != null) {
            cfg.setUsername(url.user());
        }
        if (url.password() != null) {
            cfg.setPassword(url.password());
        }
        cfg.setPoolName(name);
        cfg.setMaximumPoolSize(size);
        cfg.setMinimumIdle(Math.min(2, size));
        cfg.setConnectionTimeout(5_000);
        cfg.setValidationTimeout(2_000);
        // Fail closed and fast when the database is unreachable at start instead of hanging.
        cfg.setInitializationFailTimeout(30_000);
        cfg.addDataSourceProperty("ApplicationName", "gatehouse");
        cfg.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        // Supavisor in transaction mode cannot keep server-side prepared statements across transactions.
        cfg.addDataSourceProperty("prepareThreshold", "0");
        return new HikariDataSource(cfg);
    }

    /**
     * One connection, given up within {@value #LOGIN_TIMEOUT_SECONDS} s. A database that cannot be reached
     * (name, refused, timed out) or that refuses the login is a {@link DatabaseUnreachable} naming the
     * host and what was tried; other SQL errors stay {@link SQLException}s.
     */
    public static Connection connect(DatabaseUrl url) throws SQLException {
        Properties p = new Properties();
        if (url.user() != null) {
            p.setProperty("user", url.user());
        }
        if (url.password() != null) {
            p.setProperty("password", url.password());
        }
        p.setProperty("ApplicationName", "gatehouse-cli");
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        p.setProperty("loginTimeout", String.valueOf(LOGIN_TIMEOUT_SECONDS));
        long started = System.nanoTime();
        try {
            return DriverManager.getConnection(url.jdbcUrl(), p);
        } catch (SQLException e) {
            String why = unreachable(e, url);
            if (why == null) {
                throw e;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            throw new DatabaseUnreachable("Cannot connect to the database at " + url.location() + ": " + why
                    + String.format(java.util.Locale.ROOT, " (one attempt, %.1f s).", seconds)
                    + "\nCheck DATABASE_URL (host, port, user, password, sslmode) and that this machine can reach that host.", e);
        }
    }

    /** Why a failed connection attempt means the database cannot be used at all, or null when it is another error. */
    private static String unreachable(SQLException e, DatabaseUrl url) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "the host name does not resolve";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused (nothing listens on that port)";
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.NoRouteToHostException) {
                return "no answer within " + CONNECT_TIMEOUT_SECONDS + " s (a firewall, a wrong host, or the database is down)";
            }
        }
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
            return "the server refused the login of user " + (url.user() == null ? "(none given)" : url.user()) + " (wrong user or password)";
        }
        if (state.equals("3D000")) {
            return "that database does not exist on the server";
        }
        if (state.startsWith("08")) {
            return e.getMessage();
        }
        return null;
    }
}
