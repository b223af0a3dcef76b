package dev.gatehouse.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky's binaries from Maven Central) for dev mode and tests, so neither
 * needs Docker or an installed Postgres. When running as root, zonky starts it in a user namespace
 * ({@code unshare -U}), since PostgreSQL refuses to run as root.
 *
 * <p>Roles as on Supabase: the superuser is {@code supabase_admin}, and {@code postgres}, the role
 * migrations, the service and psql use, is not a superuser (CREATEDB CREATEROLE REPLICATION BYPASSRLS),
 * so a migration that needs more than Supabase allows fails here too. initdb makes {@code postgres} the
 * bootstrap superuser, which PostgreSQL never lets lose SUPERUSER; on a new cluster it is therefore renamed
 * to {@code supabase_admin} and a plain {@code postgres} role created in its place.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String DATABASE = "postgres";
    /** The role migrations, the service and psql connect as: Supabase's {@code postgres}, not a superuser. */
    public static final String SUPERUSER = "postgres";
    /** The superuser, for the compatibility layer only (it creates Supabase's roles and schemas). */
    public static final String ADMIN = "supabase_admin";
    private static final String BOOTSTRAP = "gatehouse_bootstrap";

    private final EmbeddedPostgres postgres;
    private final AutoCloseable afterStop;

    private EmbeddedDatabase(EmbeddedPostgres postgres, AutoCloseable afterStop) {
        this.postgres = postgres;
        this.afterStop = afterStop;
    }

    public static EmbeddedDatabase start(Path dataDir, boolean durable) {
        return start(dataDir, durable, () -> { });
    }

    /**
     * Starts a server whose data lives in {@code dataDir}, created on first use and kept after.
     *
     * @param durable   fsync on and data kept (dev); off and deleted at close for throwaway test clusters
     * @param afterStop closed once the server has stopped (the data dir's lock)
     */
    public static EmbeddedDatabase start(Path dataDir, boolean durable, AutoCloseable afterStop) {
        return start(dataDir, durable, afterStop, DefaultPostgresBinaryResolver.INSTANCE);
    }

    /**
     * As {@link #start(Path, boolean, AutoCloseable)}, with the server binaries from {@code binaries} instead of the
     * zonky artifact on the class path (the pinned major): tests use it to run a second, older major beside it.
     * zonky extracts each distinct archive once and keys its cache by the resolver, so pass one instance per archive.
     */
    public static EmbeddedDatabase start(Path dataDir, boolean durable, AutoCloseable afterStop, PgBinaryResolver binaries) {
        try {
            Files.createDirectories(dataDir);
            boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION")) || !durable;
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setPgBinaryResolver(binaries)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(!durable)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", durable ? "on" : "off")
                    .setServerConfig("synchronous_commit", durable ? "on" : "off")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("shared_buffers", "128MB")
                    .setServerConfig("timezone", "UTC")
                    .setLocaleConfig("locale", "C.UTF-8")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            EmbeddedDatabase db = new EmbeddedDatabase(pg, afterStop);
            if (fresh) {
                db.demotePostgres();
            } else {
                db.requireSupabaseRoles(dataDir);
            }
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDir, e);
        }
    }

    /** On a new cluster: the bootstrap superuser becomes supabase_admin; postgres is recreated as on Supabase. */
    private void demotePostgres() {
        try {
            try (Connection c = connect(SUPERUSER); Statement s = c.createStatement()) {
                s.execute("create role " + BOOTSTRAP + " login superuser");
            }
            try (Connection c = connect(BOOTSTRAP); Statement s = c.createStatement()) {
                s.execute("alter role " + SUPERUSER + " rename to " + ADMIN);
                // Supabase's postgres: PG-MIG 10000000000000_demote-postgres.sql.
                s.execute("create role " + SUPERUSER + " login createdb createrole replication bypassrls");
                s.execute("alter database " + DATABASE + " owner to " + SUPERUSER);
            }
            try (Connection c = connect(ADMIN); Statement s = c.createStatement()) {
                s.execute("drop role " + BOOTSTRAP);
            }
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("cannot set up Supabase's roles on the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** A data dir made before postgres was demoted cannot be fixed in place: its objects belong to the superuser. */
    private void requireSupabaseRoles(Path dataDir) {
        try (Connection c = connect(SUPERUSER); Statement s = c.createStatement();
                var rs = s.executeQuery("select rolsuper from pg_catalog.pg_roles where rolname = current_user")) {
            if (rs.next() && rs.getBoolean(1)) {
                close();
                throw new IllegalStateException("The dev database in " + dataDir + " was created when postgres was a superuser;"
                        + " delete that folder (dev data only) to recreate it with Supabase's roles.");
            }
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("cannot check the roles of the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private Connection connect(String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE, user, null);
    }

    public int port() {
        return postgres.getPort();
    }

    public DatabaseUrl url(String database) {
        return new DatabaseUrl("jdbc:postgresql://127.0.0.1:" + port() + "/" + database, SUPERUSER, null);
    }

    /** The same database as the superuser, for the compatibility layer. */
    public DatabaseUrl adminUrl(String database) {
        return admin(url(database));
    }

    /** An embedded database's URL as the superuser instead of postgres (trust authentication on loopback). */
    public static DatabaseUrl admin(DatabaseUrl url) {
        return new DatabaseUrl(url.jdbcUrl(), ADMIN, null);
    }

    public String psqlUrl(String database) {
        return DatabaseUrl.forPsql("127.0.0.1", port(), SUPERUSER, database);
    }

    @Override
    public void close() {
        try (AutoCloseable last = afterStop) {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot release what the embedded PostgreSQL held", e);
        }
    }
}
