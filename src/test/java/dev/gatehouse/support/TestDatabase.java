package dev.gatehouse.support;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL per test JVM. The compatibility layer, every migration and the seed are
 * applied once into a template database; each test class gets its own clone (a file copy, tens of
 * milliseconds), so the suite stays fast as migrations grow and classes never see each other's rows.
 * {@link #migratedOn} puts a database on another embedded server (a second major, see {@link Postgres15}),
 * migrated and seeded the same way.
 */
public final class TestDatabase implements AutoCloseable {
    static final String TEMPLATE = "gatehouse_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedDatabase server;
    private static boolean templateReady;

    private final EmbeddedDatabase host;
    private final String name;
    private final DatabaseUrl url;
    private final HikariDataSource pool;

    private TestDatabase(EmbeddedDatabase host, String name, int poolSize) {
        this.host = host;
        this.name = name;
        this.url = host.url(name);
        this.pool = Database.pool(url, poolSize, "test-" + name);
    }

    /** A fresh copy of the migrated and seeded template database. */
    public static TestDatabase migrated() {
        return migrated(8);
    }

    public static TestDatabase migrated(int poolSize) {
        String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        synchronized (TestDatabase.class) {
            ensureTemplate();
            admin(server(), "create database " + name + " template " + TEMPLATE);
        }
        return new TestDatabase(server(), name, poolSize);
    }

    /**
     * A new database on {@code other} (not the shared server), with the compatibility layer, every migration and the
     * seed applied directly, as into the template: for the one test that needs another server (no template, no clone).
     */
    public static TestDatabase migratedOn(EmbeddedDatabase other, int poolSize) {
        String name = "m" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        admin(other, "create database " + name);
        migrate(other, name);
        return new TestDatabase(other, name, poolSize);
    }

    /** A brand-new empty database (no compatibility layer, no migrations), for tests of the migrator itself. */
    public static TestDatabase empty() {
        String name = "e" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        synchronized (TestDatabase.class) {
            admin(server(), "create database " + name);
        }
        return new TestDatabase(server(), name, 4);
    }

    public static synchronized EmbeddedDatabase server() {
        if (server == null) {
            try {
                server = EmbeddedDatabase.start(Files.createTempDirectory("gatehouse-test-pg"), false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-pg-stop"));
        }
        return server;
    }

    private static void ensureTemplate() {
        if (templateReady) {
            return;
        }
        admin(server(), "create database " + TEMPLATE);
        migrate(server(), TEMPLATE);
        templateReady = true;
    }

    private static void migrate(EmbeddedDatabase on, String database) {
        try (Connection c = Database.connect(on.url(database))) {
            MigrationRunner.bundled().migrateEmbedded(c, true);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot migrate " + database + ": " + e.getMessage(), e);
        }
    }

    private static void admin(EmbeddedDatabase on, String sql) {
        execute(on.url(EmbeddedDatabase.DATABASE), sql);
    }

    private static void execute(DatabaseUrl maintenance, String sql) {
        try (Connection c = Database.connect(maintenance); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public HikariDataSource dataSource() {
        return pool;
    }

    public DatabaseUrl url() {
        return url;
    }

    public String name() {
        return name;
    }

    /** The embedded server this database lives on. */
    public EmbeddedDatabase host() {
        return host;
    }

    /** A connection as {@code postgres} (no superuser, as on Supabase), as migrations and the service's own pool connect. */
    public Connection connect() throws SQLException {
        return pool.getConnection();
    }

    /** A connection as the cluster's superuser (supabase_admin), for the compatibility layer and catalog probes. */
    public Connection connectAsAdmin() throws SQLException {
        return Database.connect(EmbeddedDatabase.admin(url));
    }

    @Override
    public void close() {
        pool.close();
        // As the superuser: WITH (FORCE) ends every session on the database, and postgres may not end the sessions of
        // roles it has no privileges of (a straggler of another role made the drop fail now and then under load).
        execute(host.adminUrl(EmbeddedDatabase.DATABASE), "drop database if exists " + name + " with (force)");
    }
}
