package dev.gatehouse.bench;

import com.stripe.net.Webhook;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.billing.StripeObjects;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.config.Settings;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.EmbeddedDatabase;
import dev.gatehouse.db.MigrationRunner;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stripe webhook throughput: signed, realistic events (course purchases, refunds, subscription
 * snapshots), one in five a duplicate of an earlier one, posted by closed-loop clients to
 * {@code POST /webhooks/stripe} of the real service on embedded Postgres. Baseline in the same run:
 * the same requests to the same path of a server that only checks the signature (the bare HTTP
 * round trip). One JVM (the load generator's CPU counts against the service); loopback only; every
 * phase bounded in time. Run: {@code bench/stripe-webhooks.sh [seconds=15] [clients=32] [pool=20]}.
 */
public final class WebhookThroughputBench {
    private static final String SECRET = "whsec_bench_secret_for_the_stripe_webhook_00";
    private static final int USERS = 1000;
    private static final int COURSES = 20;
    private static final long T0 = 1_780_000_000L;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int poolSize = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int serial = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        java.nio.file.Path pgDir = Files.createTempDirectory("gatehouse-bench-pg");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(pgDir, false)) {
            var url = pg.url(EmbeddedDatabase.DATABASE);
            List<UUID> users = new ArrayList<>();
            List<UUID> courses = new ArrayList<>();
            try (Connection c = Database.connect(url)) {
                MigrationRunner.bundled().migrateEmbedded(c, true);
                c.createStatement().execute("update public.plans set stripe_price_id = 'price_bench_' || id where id <> 'free'");
                for (int i = 0; i < USERS; i++) {
                    users.add(AuthUsers.signUp(c, "buyer" + i + "@bench.example").id());
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        insert into public.courses (instructor_id, slug, title, price_cents, is_published)
                        values ('a0000000-0000-4000-8000-000000000003', ?, ?, 2900, true) returning id""")) {
                    for (int i = 0; i < COURSES; i++) {
                        ps.setString(1, "bench-course-" + i);
                        ps.setString(2, "Bench course " + i);
                        try (var rs = ps.executeQuery()) {
                            rs.next();
                            courses.add(rs.getObject(1, UUID.class));
                        }
                    }
                }
            }
            if (serial < 0) {
                direct(url, pg.adminUrl(EmbeddedDatabase.DATABASE), random(), users, courses, -serial);
                return;
            }
            Map<String, String> env = new java.util.HashMap<>(Map.of("GATEHOUSE_PORT", "0", "SUPABASE_JWT_SECRET", "bench-secret-that-is-long-enough-for-hs256-0123456789",
                    "STRIPE_WEBHOOK_SECRET", SECRET, "DB_POOL_SIZE", String.valueOf(poolSize), "GATEHOUSE_DATA_DIR", Files.createTempDirectory("bench-data").toString()));
            String worker = System.getenv("EMAIL_WORKER");
            Javalin fakeResend = null;
            if ("resend".equals(worker)) {
                // The worker as production runs it: through Resend (a local stand-in answering as Resend does)
                // at EMAIL_RATE_PER_SECOND, its default 2/s unless the caller's environment sets another.
                fakeResend = loopbackPost("/emails", ctx -> ctx.json(Map.of("id", UUID.randomUUID().toString())));
                env.put("RESEND_API_KEY", "re_bench_" + UUID.randomUUID().toString().replace("-", ""));
                env.put("RESEND_BASE_URL", "http://127.0.0.1:" + fakeResend.port());
                env.put("EMAIL_FROM", "Bench <bench@bench.example>");
                if (System.getenv("EMAIL_RATE_PER_SECOND") != null) {
                    env.put("EMAIL_RATE_PER_SECOND", System.getenv("EMAIL_RATE_PER_SECOND"));
                }
            } else if (worker != null) {
                env.put("EMAIL_WORKER", worker); // off: size the outbox worker's share (its rows then wait)
            }
            StripeWebhook verifyOnly = new StripeWebhook(List.of(SECRET), null, java.time.Clock.systemUTC());
            Javalin bare = loopbackPost("/webhooks/stripe", ctx -> {
                verifyOnly.verify(new String(ctx.bodyAsBytes(), java.nio.charset.StandardCharsets.UTF_8), ctx.header("Stripe-Signature"));
                ctx.json(Map.of("received", true, "duplicate", false));
            });
            try (var pool = Database.pool(url, poolSize, "bench"); Gatehouse service = Gatehouse.start(Settings.load(env), pool, env)) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
                String serviceUrl = "http://127.0.0.1:" + service.port() + "/webhooks/stripe";
                String bareUrl = "http://127.0.0.1:" + bare.port() + "/webhooks/stripe";
                Random random = random();
                if (serial > 0) {
                    serial(http, bareUrl, serviceUrl, random, users, courses, serial, new Cpu(pgDir));
                    return;
                }
                System.out.println("outbox worker: " + ("resend".equals(worker)
                        ? "on, through a local stand-in for Resend at " + env.getOrDefault("EMAIL_RATE_PER_SECOND", "2") + " emails/s (as in production)"
                        : env.getOrDefault("EMAIL_WORKER", "on (delivers to the dev mailbox at full speed during the phases)")));
                // 60 s each: with 10 s the JIT was still compiling through the measured phase (a third of the
                // JVM's samples in a profile), which is not the state a running service answers webhooks in.
                System.out.println("warming up (" + WARM_UP_SECONDS + " s each) ...");
                run(http, bareUrl, events(random, users, courses, 60_000), clients, WARM_UP_SECONDS);
                run(http, serviceUrl, events(random, users, courses, 60_000), clients, WARM_UP_SECONDS);
                Cpu cpu = new Cpu(pgDir);
                // Signed before the phase and outside its CPU count: generating and signing is the load generator's work.
                List<String[]> forBaseline = events(random, users, courses, 150_000);
                List<String[]> forWebhook = events(random, users, courses, 40_000);
                Result baseline = cpu.measure(() -> run(http, bareUrl, forBaseline, clients, seconds));
                String profileTo = System.getenv("BENCH_PROFILE"); // async-profiler over the webhook phase, collapsed stacks to this file
                if (profileTo != null) {
                    Profiler.start();
                }
                Result webhook = cpu.measure(() -> run(http, serviceUrl, forWebhook, clients, seconds));
                if (profileTo != null) {
                    System.out.println(Profiler.stop(java.nio.file.Path.of(profileTo)));
                }
                System.out.printf("%n| target | clients | seconds | events | events/s | mean ms | errors | CPU ms/event: JVM + Postgres |%n"
                        + "| --- | --- | --- | --- | --- | --- | --- | --- |%n");
                print("baseline: signature check only", clients, seconds, baseline);
                print("webhook: verify + ledger + apply", clients, seconds, webhook);
                System.out.printf("%nwebhook / baseline = %.2f%n", webhook.perSecond(seconds) / baseline.perSecond(seconds));
                System.out.printf("CPU-bound ceiling on %d cores: %.0f events/s%n", Runtime.getRuntime().availableProcessors(),
                        Runtime.getRuntime().availableProcessors() * 1000.0 * (webhook.ok() + webhook.errors()) / (webhook.jvmCpuMs() + webhook.pgCpuMs()));
            } finally {
                bare.stop();
                if (fakeResend != null) {
                    fakeResend.stop();
                }
            }
        }
    }

    /** A server on an ephemeral loopback port answering one POST route: the baseline and the Resend stand-in. */
    private static Javalin loopbackPost(String path, io.javalin.http.Handler handler) {
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.routes.post(path, handler);
        }).start();
    }

    private static final int WARM_UP_SECONDS = 60;

    private static Random random() {
        return new Random(42);
    }

    /**
     * No HTTP, no service, no workers: {@code n} events at a time through {@link StripeWebhook#apply} on
     * one pooled connection (pgjdbc as the service configures it), three rounds, the first to warm up.
     * CPU per event of this thread and of that connection's Postgres backend alone, from /proc: the
     * webhook transaction's own cost, with no neighbour in it but the machine's.
     */
    private static void direct(dev.gatehouse.db.DatabaseUrl url, dev.gatehouse.db.DatabaseUrl admin, Random random, List<UUID> users, List<UUID> courses, int n)
            throws Exception {
        // BENCH_FUNCTIONS=1: time spent in each SQL function (triggers included) over the last round
        boolean functions = System.getenv("BENCH_FUNCTIONS") != null;
        if (functions) {
            try (Connection a = Database.connect(admin)) { // a setting only a superuser may change; the role's sessions inherit it
                a.createStatement().execute("alter role " + EmbeddedDatabase.SUPERUSER + " set track_functions = 'all'");
            }
        }
        var thread = java.lang.management.ManagementFactory.getThreadMXBean();
        System.out.printf("%n| round | events | applied | duplicate | Postgres backend ms/event | Java thread ms/event |%n| --- | --- | --- | --- | --- | --- |%n");
        try (var pool = Database.pool(url, 1, "direct"); Connection c = pool.getConnection()) {
            long backend;
            try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                backend = rs.getLong(1);
            }
            System.out.println("backend pid " + backend); // for perf record -p
            // BENCH_AB=before.sql:after.sql alternates rounds between two definitions of the functions
            // (files of create-or-replace statements), so both see the same neighbours' load
            String[] ab = System.getenv("BENCH_AB") == null ? null : System.getenv("BENCH_AB").split(":");
            // BENCH_AB_ROUNDS: rounds in A/B mode (default 7: a warm-up, then three of each), more to average out the neighbours
            int rounds = ab == null ? 3 : Integer.parseInt(System.getenv().getOrDefault("BENCH_AB_ROUNDS", "7"));
            for (int round = 0; round < rounds; round++) {
                if (ab != null) {
                    c.createStatement().execute(Files.readString(java.nio.file.Path.of(ab[round % 2])));
                }
                List<dev.gatehouse.billing.StripeEvent> events = events(random, users, courses, n).stream()
                        .map(e -> dev.gatehouse.billing.StripeEvent.parse(e[0])).toList();
                if (functions && round == rounds - 1) {
                    flushStats(c); // the rounds before must not leak into the last one's counts
                    try (Connection a = Database.connect(admin)) {
                        a.createStatement().execute("select pg_stat_reset()");
                    }
                }
                long pg0 = ProcCpu.treeCpuNanos(backend);
                long java0 = thread.getCurrentThreadCpuTime();
                Map<StripeWebhook.Outcome, Integer> outcomes = new java.util.EnumMap<>(StripeWebhook.Outcome.class);
                for (var event : events) {
                    outcomes.merge(StripeWebhook.apply(c, event), 1, Integer::sum);
                }
                double javaMs = (thread.getCurrentThreadCpuTime() - java0) / 1e6;
                double pgMs = (ProcCpu.treeCpuNanos(backend) - pg0) / 1e6;
                if (round > 0) {
                    System.out.printf("| %s | %d | %d | %d | %.2f | %.2f |%n", ab == null ? Integer.toString(round) : round + " (" + ab[round % 2] + ")", n, outcomes.getOrDefault(StripeWebhook.Outcome.APPLIED, 0),
                            outcomes.getOrDefault(StripeWebhook.Outcome.DUPLICATE, 0), pgMs / n, javaMs / n);
                }
                if (functions && round == rounds - 1) {
                    functionTimes(c, n);
                }
            }
        }
    }

    /** Makes this backend publish its pending statistics now (it otherwise does so at most once a second). */
    private static void flushStats(Connection c) throws java.sql.SQLException {
        c.createStatement().execute("select pg_stat_force_next_flush()");
        c.createStatement().execute("select 1"); // the flush happens when the backend next goes idle, after the call above
    }

    /** Per SQL function, over the last round: calls per event and wall time per event (total, and its own without callees). */
    private static void functionTimes(Connection c, int events) throws java.sql.SQLException {
        flushStats(c);
        System.out.printf("%n| function | calls/event | total ms/event | self ms/event |%n| --- | --- | --- | --- |%n");
        try (var rs = c.createStatement().executeQuery("""
                select schemaname || '.' || funcname, calls, total_time, self_time from pg_stat_user_functions
                where calls > 0 order by self_time desc limit 25""")) {
            while (rs.next()) {
                System.out.printf("| %s | %.2f | %.3f | %.3f |%n", rs.getString(1), rs.getLong(2) / (double) events,
                        rs.getDouble(3) / events, rs.getDouble(4) / events);
            }
        }
    }

    /**
     * One client, one event at a time: CPU per event of the whole JVM (service, client) and of
     * Postgres, which hardly moves with the neighbours' load, unlike events/s. Three rounds of
     * {@code n} events per target; the first warms the JIT, the other two are printed.
     */
    private static void serial(HttpClient http, String bareUrl, String serviceUrl, Random random, List<UUID> users, List<UUID> courses, int n, Cpu cpu)
            throws Exception {
        System.out.printf("%n| target | round | events | errors | events/s (1 client) | CPU ms/event: JVM + Postgres |%n| --- | --- | --- | --- | --- | --- |%n");
        for (String[] target : new String[][] {{"baseline: signature check only", bareUrl}, {"webhook: verify + ledger + apply", serviceUrl}}) {
            for (int round = 0; round < 3; round++) {
                List<String[]> events = events(random, users, courses, n);
                // BENCH_PROFILE=file: async-profiler over the webhook's last round, collapsed stacks to file
                boolean profile = System.getenv("BENCH_PROFILE") != null && target[1].equals(serviceUrl) && round == 2;
                if (profile) {
                    System.out.println(Profiler.start());
                }
                Result r = cpu.measure(() -> run(http, target[1], events, 1, 600));
                if (profile) {
                    System.out.println(Profiler.stop(java.nio.file.Path.of(System.getenv("BENCH_PROFILE"))));
                }
                if (round > 0) {
                    long total = Math.max(1, r.ok() + r.errors());
                    System.out.printf("| %s | %d | %d | %d | %.0f | %.2f + %.2f = %.2f |%n", target[0], round, r.ok(), r.errors(), total / r.elapsedS(),
                            r.jvmCpuMs() / total, r.pgCpuMs() / total, (r.jvmCpuMs() + r.pgCpuMs()) / total);
                }
            }
        }
    }

    /**
     * @param elapsedS until the time was up or the prepared events ran out
     * @param jvmCpuMs the whole JVM's CPU (service, baseline server and load generator) during the phase
     * @param pgCpuMs  the embedded Postgres' CPU (postmaster and its processes) during the phase
     */
    record Result(long ok, long errors, double meanMs, double elapsedS, double jvmCpuMs, double pgCpuMs) {
        double perSecond(int seconds) {
            return ok / elapsedS;
        }

        Result withCpu(double jvm, double pg) {
            return new Result(ok, errors, meanMs, elapsedS, jvm, pg);
        }
    }

    private static void print(String target, int clients, int seconds, Result r) {
        long n = Math.max(1, r.ok() + r.errors());
        System.out.printf("| %s | %d | %.1f | %d | %.0f | %.2f | %d | %.2f + %.2f = %.2f |%n", target, clients, r.elapsedS(), r.ok(), r.perSecond(seconds),
                r.meanMs(), r.errors(), r.jvmCpuMs() / n, r.pgCpuMs() / n, (r.jvmCpuMs() + r.pgCpuMs()) / n);
    }

    /**
     * CPU time per phase, read from /proc: unlike events/s it hardly moves when other work shares the
     * machine, so runs on a busy machine stay comparable. Linux only; zeros elsewhere.
     */
    private record Cpu(java.nio.file.Path pgDir) {
        interface Phase {
            Result run() throws Exception;
        }

        Result measure(Phase phase) throws Exception {
            double jvm0 = jvmMs();
            double pg0 = postgresMs();
            Result r = phase.run();
            return r.withCpu(jvmMs() - jvm0, postgresMs() - pg0);
        }

        private static double jvmMs() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e6;
        }

        /** The postmaster's own and reaped children's time, plus every live child's (backends, WAL writer, ...). */
        private double postgresMs() {
            try {
                long postmaster = Long.parseLong(Files.readAllLines(pgDir.resolve("postmaster.pid")).getFirst().strip());
                long ticks = 0;
                try (var procs = Files.list(java.nio.file.Path.of("/proc"))) {
                    for (java.nio.file.Path p : procs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
                        String[] f = stat(p);
                        if (f == null) {
                            continue;
                        }
                        long pid = Long.parseLong(p.getFileName().toString());
                        if (pid == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
                        } else if (Long.parseLong(f[1]) == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    }
                }
                return ticks * 10.0; // USER_HZ is 100 on Linux
            } catch (java.io.IOException | RuntimeException e) {
                return 0;
            }
        }

        /** The fields after the command name: [0] state, [1] ppid, ..., [11] utime, [12] stime, [13] cutime, [14] cstime. */
        private static String[] stat(java.nio.file.Path proc) {
            try {
                String s = Files.readString(proc.resolve("stat"));
                return s.substring(s.lastIndexOf(')') + 2).split(" ");
            } catch (java.io.IOException e) {
                return null; // the process ended meanwhile
            }
        }
    }

    /** Realistic events, signed now (as Stripe signs at delivery); every fifth a duplicate of an earlier one. */
    private static List<String[]> events(Random random, List<UUID> users, List<UUID> courses, int count) {
        List<String[]> out = new ArrayList<>(count);
        List<String[]> purchases = new ArrayList<>();
        long now = System.currentTimeMillis() / 1000;
        while (out.size() < count) {
            if (out.size() % 5 == 4) {
                out.add(out.get(random.nextInt(out.size())));
                continue;
            }
            UUID user = users.get(random.nextInt(users.size()));
            int kind = random.nextInt(10);
            String json;
            if (kind < 7 || purchases.isEmpty()) {
                String pi = StripeObjects.id("pi");
                json = StripeObjects.event(StripeObjects.id("evt"), "checkout.session.completed", T0, StripeObjects.paymentSession(StripeObjects.id("cs_test"),
                        pi, StripeObjects.id("cus"), user, courses.get(random.nextInt(courses.size())), 2900, "usd", "paid", T0), null);
                purchases.add(new String[] {pi});
            } else if (kind < 8) {
                String pi = purchases.get(random.nextInt(purchases.size()))[0];
                json = StripeObjects.event(StripeObjects.id("evt"), "charge.refunded", T0 + 60,
                        StripeObjects.refundedCharge(StripeObjects.id("ch"), pi, StripeObjects.id("cus"), 2900, 2900, T0), null);
            } else {
                String sub = StripeObjects.id("sub");
                json = StripeObjects.event(StripeObjects.id("evt"), "customer.subscription.created", T0, StripeObjects.subscription(sub, StripeObjects.id("si"),
                        StripeObjects.id("cus"), user, "pro", "price_bench_pro", 1900, "active", T0, T0 + 2_592_000, false, null, StripeObjects.id("in"), T0), null);
            }
            try {
                out.add(new String[] {json, Webhook.Signature.generateSignatureHeader(json, SECRET, now)});
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** {@code clients} closed-loop senders for {@code seconds}; counts 2xx answers. */
    private static Result run(HttpClient http, String url, List<String[]> events, int clients, int seconds) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong nanos = new AtomicLong();
        long begin = System.nanoTime();
        long end = begin + Duration.ofSeconds(seconds).toNanos();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        int n = next.getAndIncrement();
                        if (n >= events.size()) {
                            return null;
                        }
                        String[] e = events.get(n);
                        long start = System.nanoTime();
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                                .header("Stripe-Signature", e[1]).POST(HttpRequest.BodyPublishers.ofString(e[0])).build(), HttpResponse.BodyHandlers.discarding());
                        nanos.addAndGet(System.nanoTime() - start);
                        (r.statusCode() / 100 == 2 ? ok : errors).incrementAndGet();
                    }
                    return null;
                });
            }
        }
        long total = ok.get() + errors.get();
        return new Result(ok.get(), errors.get(), total == 0 ? 0 : nanos.get() / 1e6 / total, (System.nanoTime() - begin) / 1e9, 0, 0);
    }
}
