package dev.gatehouse.bench;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.AccessTokenMinter;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's added latency on a non-streaming call: the same fixed-rate, open-loop load (latency
 * measured from each request's scheduled start, so a stall is not hidden) is sent to a local
 * OpenAI-shaped upstream directly and through the gateway, in one run. Through the gateway each
 * request has its JWT verified, is admitted in Postgres (embedded, same machine) and settled.
 * Loopback only; every phase is bounded in time.
 *
 * <p>Two JVMs, so the load generator's own CPU and GC do not stall the gateway: {@code serve}
 * (embedded Postgres, the local upstream, the gateway; writes their URLs and tokens to a file and
 * exits after {@code --for} seconds) and {@code load} (the fixed-rate client). Both on loopback.
 * Run: {@code bench/gateway-latency.sh [rates=200,500,1000] [seconds=10]}.
 */
public final class GatewayLatencyBench {
    private static final String UPSTREAM_BODY = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"pong","refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}}""";
    private static final String REQUEST = "{\"model\":\"bench\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    private static final int USERS = 200;
    private static final int WARMUP_RATE = 150;
    private static final int WARMUP_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(Path.of(args[1]), Integer.parseInt(args[2]));
            case "load" -> load(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("usage: serve <endpoints-file> <seconds> | load <endpoints-file> <rates> <seconds>");
        }
    }

    /** Runs the upstream and the gateway for {@code seconds}, then stops everything. */
    private static void serve(Path endpointsFile, int seconds) throws Exception {
        // The local upstream: Jetty (through Javalin) with keep-alive, as real providers serve.
        byte[] body = UPSTREAM_BODY.getBytes(StandardCharsets.UTF_8);
        Javalin upstream = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/chat/completions", ctx -> {
                ctx.bodyAsBytes();
                ctx.contentType("application/json").result(body);
            });
        }).start();
        String upstreamUrl = "http://127.0.0.1:" + upstream.port();
        Path pgDir = Files.createTempDirectory("gatehouse-bench-pg");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(pgDir, false)) {
            var url = pg.url(EmbeddedDatabase.DATABASE);
            List<String> tokens = new ArrayList<>();
            String secret = "bench-secret-that-is-long-enough-for-hs256-0123456789";
            AccessTokenMinter minter = new AccessTokenMinter(secret, "http://127.0.0.1:54321/auth/v1");
            try (Connection c = Database.connect(url)) {
                MigrationRunner.bundled().migrateEmbedded(c, true);
                try (Statement s = c.createStatement()) {
                    s.execute("""
                            insert into public.plans (id, name, monthly_request_limit, monthly_token_limit, requests_per_minute,
                              max_output_tokens, max_concurrent_streams, allowed_models, allowed_tasks, allow_raw_chat)
                            values ('bench', 'Bench', null, null, 1000000, 64, 1000, array['bench'], '{}', true)""");
                }
                for (int i = 0; i < USERS; i++) {
                    AuthUser u = AuthUsers.signUp(c, "bench" + i + "@bench.example");
                    try (var ps = c.prepareStatement("""
                            insert into public.subscriptions (user_id, plan_id, status, current_period_start, current_period_end)
                            values (?, 'bench', 'active', now() - interval '1 day', now() + interval '29 days')""")) {
                        ps.setObject(1, u.id());
                        ps.executeUpdate();
                    }
                    tokens.add(minter.mint(u, Duration.ofHours(2), Instant.now()));
                }
            }
            Path config = Files.createTempFile("bench-gateway", ".json");
            Files.writeString(config, """
                    {"providers": {"local": {"kind": "openai", "base_url": "%s/v1", "api_key_env": "LOCAL_KEY"}},
                     "deployments": {"local": {"provider": "local", "model": "bench-model", "timeout_ms": 5000}},
                     "routes": {"bench": ["local"]},
                     "circuit_breaker": {"minimum_calls": 10000, "sliding_window_calls": 10000}}
                    """.formatted(upstreamUrl));
            Map<String, String> env = Map.of("GATEHOUSE_PORT", "0", "SUPABASE_JWT_SECRET", secret, "GATEHOUSE_CONFIG", config.toString(),
                    "LOCAL_KEY", "sk-local-bench", "DB_POOL_SIZE", "20");
            try (var pool = Database.pool(url, 20, "bench"); Gatehouse gateway = Gatehouse.start(Settings.load(env), pool, env)) {
                Files.writeString(endpointsFile, upstreamUrl + "\n" + "http://127.0.0.1:" + gateway.port() + "\n" + String.join("\n", tokens) + "\n");
                System.out.println("serving; stops by itself in " + seconds + " s");
                Thread.sleep(Duration.ofSeconds(seconds));
            }
        } finally {
            upstream.stop();
        }
    }

    /** Sends the fixed-rate load to the upstream directly, then through the gateway, for each rate. */
    private static void load(Path endpointsFile, String rateList, int seconds) throws Exception {
        int[] rates = Arrays.stream(rateList.split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> lines = Files.readAllLines(endpointsFile);
        String upstreamUrl = lines.get(0);
        String gatewayUrl = lines.get(1);
        List<String> tokens = lines.subList(2, lines.size()).stream().filter(l -> !l.isBlank()).toList();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(5)).build();
        // The JIT needs tens of thousands of requests before latencies settle; measure after that.
        System.out.println("warming up for " + WARMUP_SECONDS + " s per target (JIT, connection pools, plan caches) ...");
        run(client, upstreamUrl, tokens, WARMUP_RATE, WARMUP_SECONDS, false);
        run(client, gatewayUrl, tokens, WARMUP_RATE, WARMUP_SECONDS, false);
        System.out.printf("%n%-8s %-8s %8s %8s %8s %8s %8s %8s %7s%n", "rate/s", "target", "sent", "p50 ms", "p90 ms", "p99 ms", "max ms", "achieved", "errors");
        for (int rate : rates) {
            Result direct = run(client, upstreamUrl, tokens, rate, seconds, true);
            Result via = run(client, gatewayUrl, tokens, rate, seconds, true);
            print(rate, "direct", direct);
            print(rate, "gateway", via);
            System.out.printf("%-8d %-8s %8s %8.3f %8.3f %8.3f%n", rate, "added", "", via.p(50) - direct.p(50), via.p(90) - direct.p(90), via.p(99) - direct.p(99));
        }
    }

    private record Result(long[] latenciesNanos, int errors, double achievedPerSecond) {
        double p(double percentile) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(latenciesNanos.length - 1, Math.ceil(percentile / 100.0 * latenciesNanos.length) - 1);
            return latenciesNanos[Math.max(i, 0)] / 1e6;
        }
    }

    private static void print(int rate, String target, Result r) {
        System.out.printf("%-8d %-8s %8d %8.3f %8.3f %8.3f %8.3f %8.0f %7d%n", rate, target, r.latenciesNanos().length,
                r.p(50), r.p(90), r.p(99), r.p(100), r.achievedPerSecond(), r.errors());
    }

    /** Open loop: request i is due at start + i/rate; its latency counts from then, not from when it was sent. */
    private static Result run(HttpClient client, String baseUrl, List<String> tokens, int rate, int seconds, boolean record) throws Exception {
        int total = rate * seconds;
        long[] latencies = new long[total];
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        URI uri = URI.create(baseUrl + "/v1/chat/completions");
        long start = System.nanoTime() + 50_000_000;
        long interval = 1_000_000_000L / rate;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int n = i;
                senders.submit(() -> {
                    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + tokens.get(n % tokens.size()))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(REQUEST)).build();
                    try {
                        HttpResponse<byte[]> res = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        if (res.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    latencies[n] = System.nanoTime() - due;
                    done.incrementAndGet();
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.copyOf(latencies, done.get());
        Arrays.sort(sorted);
        return new Result(record ? sorted : new long[0], errors.get(), total / elapsed);
    }
}
