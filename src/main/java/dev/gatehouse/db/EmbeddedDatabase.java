package dev.gatehouse.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky's binaries from Maven Central) for dev mode and tests, so neither
 * needs Docker or an installed Postgres. When running as root, zonky starts it in a user namespace
 * ({@code unshare -U}), since PostgreSQL refuses to run as root.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String DATABASE = "postgres";
    public static final String SUPERUSER = "postgres";

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
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
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
            return new EmbeddedDatabase(pg, afterStop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDir, e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public DatabaseUrl url(String database) {
        return new DatabaseUrl("jdbc:postgresql://127.0.0.1:" + port() + "/" + database, SUPERUSER, null);
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
