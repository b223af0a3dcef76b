package dev.gatehouse.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.Gatehouse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code serve}: the HTTP service; in dev mode also the embedded database, migrated and seeded. */
public final class ServeCommand {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);
    /** The issuer of dev tokens: what a local Supabase CLI stack's Auth uses. */
    public static final String DEV_ISSUER = "http://127.0.0.1:54321/auth/v1";

    static final String HELP = """
            Usage: java -jar target/gatehouse.jar [serve]

            Runs the service. Without DATABASE_URL (dev mode): starts an embedded PostgreSQL under
            GATEHOUSE_DATA_DIR (default .gatehouse), applies the compatibility layer, migrations and
            seed, and serves on 127.0.0.1:GATEHOUSE_PORT (default 8787). With DATABASE_URL
            (production): every required secret must be set, or it exits naming what is missing.
            """;

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of());
        Running running = start(env);
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "gatehouse-shutdown"));
        printBanner(running.settings(), running.port());
        return waitForever();
    }

    /** The service and what it started; closing stops all of it, the embedded database last. */
    public record Running(Settings settings, Gatehouse service, HikariDataSource pool, EmbeddedDatabase embedded) implements AutoCloseable {
        public int port() {
            return service.port();
        }

        @Override
        public void close() {
            service.close();
            pool.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Starts everything {@code serve} runs and returns once the service answers. */
    public static Running start(Map<String, String> env) {
        Settings settings = Settings.load(env);
        if (settings.mode() == Mode.DEV && settings.jwtSecret() == null) {
            settings = settings.withJwtSecret(DevEnvironment.jwtSecret(settings.dataDir()));
        }
        EmbeddedDatabase embedded = null;
        HikariDataSource pool = null;
        try {
            if (settings.embeddedDatabase()) {
                embedded = DevEnvironment.startDatabase(settings.dataDir());
                settings = settings.withDatabase(embedded.url(EmbeddedDatabase.DATABASE));
            }
            if (settings.mode() == Mode.DEV) {
                migrateDev(settings.databaseUrl());
            }
            pool = Database.pool(settings.databaseUrl(), settings.dbPoolSize(), "gatehouse");
            return new Running(settings, Gatehouse.start(settings, pool, env), pool, embedded);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    private static void migrateDev(DatabaseUrl url) {
        try (Connection c = Database.connect(url)) {
            MigrationRunner.Report r = MigrationRunner.bundled().migrateEmbedded(c, true);
            if (!r.migrationsApplied().isEmpty() || r.seeded()) {
                log.info("dev database: {} migrations applied{}", r.migrationsApplied().size(), r.seeded() ? ", seed applied" : "");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot migrate the dev database: " + e.getMessage(), e);
        }
    }

    private static void printBanner(Settings s, int port) {
        String url = "http://" + s.bindHost() + ":" + port;
        StringBuilder b = new StringBuilder();
        b.append("\nGatehouse is running at ").append(url).append("  (mode: ").append(s.mode().name().toLowerCase()).append(")\n");
        if (s.mode() == Mode.DEV) {
            b.append("  data dir:   ").append(s.dataDir()).append('\n');
            if (s.embeddedDatabase() || s.databaseUrl().jdbcUrl().contains("127.0.0.1")) {
                b.append("  database:   psql \"$(cat ").append(s.dataDir().resolve(DevEnvironment.DATABASE_URL_FILE)).append(")\"\n");
            }
            b.append("  a token:    java -jar target/gatehouse.jar token --email student@example.com\n");
            b.append("  try:        curl ").append(url).append("/health\n");
        }
        System.out.println(b);
    }

    private static int waitForever() {
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
