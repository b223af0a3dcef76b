package dev.gatehouse.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.AccessTokenMinter;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import dev.gatehouse.web.IoPollers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark's service side, in its own JVM: the real service ({@link Gatehouse#start}, JWT
 * verification, admission and settlement on) on embedded PostgreSQL 17 (fsync off, as the dev
 * server's tests) or on {@code DATABASE_URL}, with {@value #USERS} users on a plan whose limits the
 * load never reaches. A loopback control port reports the JVM's and Postgres' CPU, heap and RSS,
 * and starts and stops async-profiler. Exits after its bound.
 */
final class BenchServer {
    static final int USERS = 200;
    static final int POOL = 20;
    private static final String SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789";

    private BenchServer() {}

    /**
     * @param streamsUpstreamUrl where the trickling streams' deployment points: the upstream's HTTP/2
     *                           over TLS port (trusted through {@code javax.net.ssl.trustStore}), or
     *                           {@code upstreamUrl} itself
     */
    static void serve(Path endpointsFile, String upstreamUrl, int seconds, String streamsUpstreamUrl) throws Exception {
        IoPollers.preferPlatformThreads(); // as Main does, before any virtual thread blocks on a socket
        String external = System.getenv("DATABASE_URL");
        EmbeddedDatabase pg = null;
        Path pgDir = null;
        DatabaseUrl url;
        if (external == null || external.isBlank()) {
            pgDir = Files.createTempDirectory("gatehouse-bench-pg");
            pg = EmbeddedDatabase.start(pgDir, false);
            url = pg.url(EmbeddedDatabase.DATABASE);
        } else {
            url = DatabaseUrl.parse(external);
        }
        try {
            List<String> tokens = prepare(url, pg != null);
            Path config = Files.createTempFile("bench-gateway", ".json");
            Files.writeString(config, """
                    {"providers": {"local": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "LOCAL_KEY"},
                                   "local-h2": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "LOCAL_KEY"}},
                     "deployments": {"local": {"provider": "local", "model": "bench-model", "timeout_ms": 30000},
                                     "fast-h2": {"provider": "local-h2", "model": "bench-model", "timeout_ms": 30000},
                                     "trickle": {"provider": "local-h2", "model": "bench-trickle", "timeout_ms": 30000},
                                     "ttfb-trickle": {"provider": "local", "model": "bench-ttfb-trickle", "timeout_ms": 30000}},
                     "routes": {"bench": ["local"], "bench-h2": ["fast-h2"], "bench-trickle": ["trickle"],
                                "bench-ttfb-trickle": ["ttfb-trickle"]},
                     "circuit_breaker": {"minimum_calls": 10000, "sliding_window_calls": 10000}}
                    """.formatted(upstreamUrl, streamsUpstreamUrl));
            // a throwaway ops token for this run: the load generator reads the service's own metrics (lease waits) per phase
            String opsToken = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
            Map<String, String> env = Map.of("GATEHOUSE_PORT", "0", "SUPABASE_JWT_SECRET", SECRET, "GATEHOUSE_CONFIG", config.toString(),
                    "LOCAL_KEY", "sk-local-bench", "DB_POOL_SIZE", Integer.toString(POOL), "GATEHOUSE_OPS_TOKEN", opsToken,
                    // GATEHOUSE_QUOTA_LEASES=off bench/gateway.sh: the per-request admission, for an A/B in one build
                    "GATEHOUSE_QUOTA_LEASES", System.getenv().getOrDefault("GATEHOUSE_QUOTA_LEASES", "on"));
            if (System.getenv("GATEHOUSE_SHED_LAG_MS") != null) {
                // GATEHOUSE_SHED_LAG_MS=0 bench/gateway.sh: no load shedding past saturation (the service's default otherwise)
                env = new java.util.HashMap<>(env);
                env.put("GATEHOUSE_SHED_LAG_MS", System.getenv("GATEHOUSE_SHED_LAG_MS"));
            }
            try (var pool = Database.pool(url, POOL, "bench"); Gatehouse gateway = Gatehouse.start(Settings.load(env), pool, env)) {
                long postmaster = pg == null ? -1 : postmasterPid(pgDir);
                HttpServer control = control(postmaster, url);
                Files.writeString(endpointsFile, "upstream=" + upstreamUrl + "\n"
                        + "gateway=http://127.0.0.1:" + gateway.port() + "\n"
                        + "control=http://127.0.0.1:" + control.getAddress().getPort() + "\n"
                        + "ops_token=" + opsToken + "\n"
                        + "tokens=" + String.join(",", tokens) + "\n");
                Thread.sleep(Duration.ofSeconds(seconds));
                control.stop(0);
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    /** Migrates as the service does, then creates the bench plan and users; returns one token per user. */
    private static List<String> prepare(DatabaseUrl url, boolean embedded) throws SQLException {
        AccessTokenMinter minter = new AccessTokenMinter(SECRET, "http://127.0.0.1:54321/auth/v1");
        List<String> tokens = new ArrayList<>();
        try (Connection c = Database.connect(url)) {
            if (embedded) {
                MigrationRunner.bundled().migrateEmbedded(c, true);
            } else {
                MigrationRunner.bundled().migrate(c, true);
            }
            try (Statement s = c.createStatement()) {
                s.execute("""
                        insert into public.plans (id, name, monthly_request_limit, monthly_token_limit, requests_per_minute,
                          max_output_tokens, max_concurrent_streams, allowed_models, allowed_tasks, allow_raw_chat)
                        values ('bench', 'Bench', null, null, 10000000, 64, 100000, array['bench', 'bench-h2', 'bench-trickle', 'bench-ttfb-trickle'], '{}', true)
                        on conflict (id) do nothing""");
            }
            String run = UUID.randomUUID().toString().substring(0, 8);
            for (int i = 0; i < USERS; i++) {
                AuthUser u = AuthUsers.signUp(c, "bench-" + run + "-" + i + "@bench.example");
                try (var ps = c.prepareStatement("""
                        insert into public.subscriptions (user_id, plan_id, status, current_period_start, current_period_end)
                        values (?, 'bench', 'active', now() - interval '1 day', now() + interval '29 days')""")) {
                    ps.setObject(1, u.id());
                    ps.executeUpdate();
                }
                tokens.add(minter.mint(u, Duration.ofHours(3), Instant.now()));
            }
        }
        return tokens;
    }

    private static long postmasterPid(Path pgDir) throws IOException {
        return Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).getFirst().strip());
    }

    /** {@code GET /stats}: CPU, heap and memory; {@code POST /profile/start}, {@code POST /profile/stop?file=}. */
    private static HttpServer control(long postmaster, DatabaseUrl url) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // What the service's Postgres backends are doing now (wait events and statements), to tell lock waits from CPU
        server.createContext("/pg", ex -> reply(ex, activity(url)));
        server.createContext("/stats", ex -> reply(ex, stats(postmaster)));
        server.createContext("/gc", ex -> {
            System.gc();
            reply(ex, "ok");
        });
        server.createContext("/profile/start", ex -> reply(ex, Profiler.start()));
        server.createContext("/profile/stop", ex -> {
            String query = ex.getRequestURI().getQuery();
            reply(ex, Profiler.stop(Path.of(query.substring(query.indexOf('=') + 1))));
        });
        server.start();
        return server;
    }

    private static String activity(DatabaseUrl url) {
        try (Connection c = Database.connect(url); Statement s = c.createStatement(); var rs = s.executeQuery("""
                select coalesce(wait_event_type, 'cpu') || ':' || coalesce(wait_event, '-') || ' ' || coalesce(state, '?') || ' '
                       || left(regexp_replace(query, '\\s+', ' ', 'g'), 60), count(*)
                from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state <> 'idle'
                group by 1 order by 2 desc""")) {
            StringBuilder out = new StringBuilder();
            while (rs.next()) {
                out.append(rs.getLong(2)).append(' ').append(rs.getString(1)).append('\n');
            }
            return out.toString();
        } catch (SQLException e) {
            return "error " + e.getMessage();
        }
    }

    private static String stats(long postmaster) {
        Map<String, Object> s = new HashMap<>();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        s.put("jvm_cpu_ns", os.getProcessCpuTime());
        // Bytes allocated by every thread so far (virtual threads count on their carriers): unlike CPU
        // time, a figure per request that does not move with what else the machine is running.
        s.put("alloc_bytes", ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes());
        s.put("pg_cpu_ns", postmaster < 0 ? -1 : ProcCpu.treeCpuNanos(postmaster));
        s.put("heap_used", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        s.put("heap_peak", peak);
        s.put("heap_max", Runtime.getRuntime().maxMemory());
        s.put("rss", ProcCpu.status("VmRSS"));
        s.put("rss_peak", ProcCpu.status("VmHWM"));
        s.put("fds", ProcCpu.openFiles());
        StringBuilder out = new StringBuilder();
        s.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        return out.toString();
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
