package dev.gatehouse.config;

import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Properties;

/**
 * The dev data dir: the embedded database ({@code postgres/}), its psql URL ({@code database-url}),
 * and a random HS256 secret ({@code jwt-secret}) generated on first use and kept, so tokens made by
 * {@code gatehouse token} stay valid across restarts.
 */
public final class DevEnvironment {
    public static final String DATABASE_URL_FILE = "database-url";
    public static final String JWT_SECRET_FILE = "jwt-secret";
    public static final String STRIPE_WEBHOOK_SECRET_FILE = "stripe-webhook-secret";
    public static final String OPS_TOKEN_FILE = "ops-token";

    private DevEnvironment() {}

    /** The kept dev secret, created on first call. */
    public static String jwtSecret(Path dataDir) {
        return keptSecret(dataDir.resolve(JWT_SECRET_FILE), "");
    }

    /** The kept dev Stripe webhook signing secret ({@code whsec_...}), created on first call; {@code stripe trigger} signs with it. */
    public static String stripeWebhookSecret(Path dataDir) {
        return keptSecret(dataDir.resolve(STRIPE_WEBHOOK_SECRET_FILE), "whsec_");
    }

    /** The kept dev ops token (GET /metrics, GET /status), created on first call. */
    public static String opsToken(Path dataDir) {
        return keptSecret(dataDir.resolve(OPS_TOKEN_FILE), "");
    }

    private static String keptSecret(Path file, String prefix) {
        Path dataDir = file.getParent();
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file).strip();
            }
            ensureWritable(dataDir);
            byte[] bytes = new byte[48];
            new SecureRandom().nextBytes(bytes);
            String secret = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            Files.writeString(file, secret + "\n");
            restrict(file);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the dev secret in " + file, e);
        }
    }

    /** Starts the embedded database in the data dir and writes its psql URL next to it. */
    public static EmbeddedDatabase startDatabase(Path dataDir) {
        ensureWritable(dataDir);
        DataDirLock lock = DataDirLock.acquire(dataDir);
        EmbeddedDatabase db;
        try {
            db = EmbeddedDatabase.start(dataDir.resolve("postgres"), true, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        try {
            Files.writeString(dataDir.resolve(DATABASE_URL_FILE), db.psqlUrl(EmbeddedDatabase.DATABASE) + "\n");
        } catch (IOException e) {
            db.close();
            throw new UncheckedIOException("cannot write " + dataDir.resolve(DATABASE_URL_FILE), e);
        }
        return db;
    }

    /**
     * The URL of a dev database that is already running (a server started from the same data dir),
     * or null. Lets {@code gatehouse token} work while {@code serve} runs, without a second postmaster.
     */
    public static DatabaseUrl runningDatabase(Path dataDir) {
        Path file = dataDir.resolve(DATABASE_URL_FILE);
        if (!Files.isRegularFile(file) || !Files.exists(dataDir.resolve("postgres").resolve("postmaster.pid"))) {
            return null;
        }
        try {
            DatabaseUrl url = DatabaseUrl.parse(Files.readString(file).strip());
            Properties p = new Properties();
            p.setProperty("user", EmbeddedDatabase.SUPERUSER);
            p.setProperty("connectTimeout", "2");
            try (Connection ignored = DriverManager.getConnection(url.jdbcUrl(), p)) {
                return new DatabaseUrl(url.jdbcUrl(), EmbeddedDatabase.SUPERUSER, null);
            }
        } catch (IOException | SQLException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Work on a database connection. */
    public interface DbWork<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on the configured database; in dev mode without {@code DATABASE_URL}, on the
     * dev database: the one a running server started, else started here for the duration.
     *
     * @param prepareIfStartedHere migrate and seed a dev database started here before the work
     */
    public static <T> T withDatabase(Settings settings, boolean prepareIfStartedHere, DbWork<T> work) throws SQLException {
        if (!settings.embeddedDatabase()) {
            try (Connection c = Database.connect(settings.databaseUrl())) {
                return work.apply(c);
            }
        }
        DatabaseUrl running = runningDatabase(settings.dataDir());
        if (running != null) {
            try (Connection c = Database.connect(running)) {
                return work.apply(c);
            }
        }
        try (EmbeddedDatabase db = startDatabase(settings.dataDir());
                Connection c = Database.connect(db.url(EmbeddedDatabase.DATABASE))) {
            if (prepareIfStartedHere) {
                MigrationRunner.bundled().migrateEmbedded(c, true);
            }
            return work.apply(c);
        }
    }

    /** Creates the data dir and proves it can be written, so a read-only one fails with one plain line. */
    static void ensureWritable(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path probe = Files.createTempFile(dataDir, ".write-test", "");
            Files.delete(probe);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e instanceof java.nio.file.AccessDeniedException ? "Permission denied"
                    : String.valueOf(e.getMessage());
            throw new DataDirUnavailable(DataDirUnavailable.Reason.NOT_WRITABLE, "The data dir " + dataDir + " cannot be written (" + why + ").\n"
                    + "Set GATEHOUSE_DATA_DIR to a writable folder (dev mode keeps its database and secret there).", e);
        }
    }

    private static void restrict(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system (Windows): the data dir's own permissions apply
        }
    }
}
