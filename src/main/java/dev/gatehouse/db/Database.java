package dev.gatehouse.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections to the service's database: a HikariCP pool for serving, single connections for CLI work. */
public final class Database {
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
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        // Supavisor in transaction mode cannot keep server-side prepared statements across transactions.
        cfg.addDataSourceProperty("prepareThreshold", "0");
        return new HikariDataSource(cfg);
    }

    public static Connection connect(DatabaseUrl url) throws SQLException {
        Properties p = new Properties();
        if (url.user() != null) {
            p.setProperty("user", url.user());
        }
        if (url.password() != null) {
            p.setProperty("password", url.password());
        }
        p.setProperty("ApplicationName", "gatehouse-cli");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(url.jdbcUrl(), p);
    }
}
