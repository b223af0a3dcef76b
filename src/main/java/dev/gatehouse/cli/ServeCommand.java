package dev.gatehouse.cli;

import dev.gatehouse.ai.chat.Usage;
import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.ConfigCheck;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.db.DatabaseUnreachable;
import io.javalin.util.JavalinBindException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
            Usage: ./gatehouse [serve]

            Runs the service. Without DATABASE_URL (dev mode): starts an embedded PostgreSQL under
            GATEHOUSE_DATA_DIR (default .gatehouse), applies the compatibility layer, migrations and
            seed, and serves on 127.0.0.1:GATEHOUSE_PORT (default 8787). With DATABASE_URL or
            GATEHOUSE_ENV=production: every required secret must be set and nothing dev-only
            configured, or it exits (78) with one message naming every problem.
            """;

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of());
        Running running = start(env);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            LogFormat.stop(); // the access log's queued lines are written before the JVM exits
        }, "gatehouse-shutdown"));
        System.out.println(banner(running));
        return waitForever();
    }

    /** The service and what it started; closing stops all of it, the embedded database last. */
    public record Running(Settings settings, Gatehouse service, HikariDataSource pool, EmbeddedDatabase embedded) implements AutoCloseable {
        public int port() {
            return service.port();
        }

        @Override
        public void close() {
            int port = port(); // unknown once the server has stopped
            service.close();
            pool.close();
            if (embedded != null) {
                embedded.close();
            }
            log.info("Gatehouse stopped: HTTP server on {}:{}, AI gateway, usage settlement (pending settlements written), database pool{}",
                    settings.bindHost(), port, embedded != null ? ", embedded PostgreSQL (data kept in " + settings.dataDir() + ")" : "");
        }
    }

    /** Starts everything {@code serve} runs and returns once the service answers. */
    public static Running start(Map<String, String> env) {
        ConfigCheck.beforeStart(env);
        Settings settings = Settings.load(env);
        checkPortFree(settings);
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
            if (!settings.embeddedDatabase()) {
                reachable(settings.databaseUrl());
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
            throw e instanceof JavalinBindException ? portInUse(settings, e) : e;
        }
    }

    /** Fails before the slow part of a start (the embedded database) when the port is taken. */
    private static void checkPortFree(Settings s) {
        if (s.port() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as Jetty binds, so a port in TIME_WAIT is not mistaken for a taken one
            probe.bind(new InetSocketAddress(s.bindHost(), s.port()));
        } catch (IOException e) {
            throw portInUse(s, e);
        }
    }

    private static StartFailure portInUse(Settings s, Exception cause) {
        return new StartFailure(ExitCode.PORT_IN_USE, "Port " + s.port() + " on " + s.bindHost() + " is already in use (GATEHOUSE_PORT=" + s.port() + ").\n"
                + "Stop what listens there (another Gatehouse?), or set GATEHOUSE_PORT to a free port.", cause);
    }

    private static void reachable(DatabaseUrl url) {
        try (Connection ignored = Database.connect(url)) {
            log.debug("database at {} reachable", url.location());
        } catch (SQLException e) {
            throw new DatabaseUnreachable("The database at " + url.location() + " answered with an error: " + e.getMessage(), e);
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

    /** One block on start: where it listens, in which mode, on which database, what it serves, where mail and data go. */
    public static String banner(Running r) {
        Settings s = r.settings();
        String url = "http://" + s.bindHost() + ":" + r.port();
        boolean dev = s.mode() == Mode.DEV;
        StringBuilder b = new StringBuilder();
        b.append("\nGatehouse is running at ").append(url).append("  (mode: ").append(s.mode().name().toLowerCase(java.util.Locale.ROOT)).append(")\n");
        if (r.embedded() != null) {
            b.append("  database:   embedded PostgreSQL; psql \"$(cat ").append(s.dataDir().resolve(DevEnvironment.DATABASE_URL_FILE)).append(")\"\n");
        } else {
            b.append("  database:   ").append(s.databaseUrl().location()).append('\n');
        }
        b.append("  models:     ").append(r.service().servedModels()).append('\n');
        b.append("  mail:       ").append(r.service().mailDestination()).append('\n');
        if (dev) {
            b.append("  data:       ").append(s.dataDir()).append(" (database, dev JWT secret)\n");
            b.append("  a token:    ./gatehouse token --email student@example.com\n");
            b.append("  try:        curl ").append(url).append("/health\n");
        }
        b.append("  stop:       Ctrl-C");
        return b.toString();
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
