package dev.gatehouse.bench;

import dev.gatehouse.config.Mode;
import dev.gatehouse.email.EmailOutbox;
import dev.gatehouse.email.EmailSettings;
import dev.gatehouse.email.ResendSender;
import dev.gatehouse.jobs.Notifications;
import dev.gatehouse.support.TestDatabase;
import io.javalin.Javalin;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Email outbox throughput and commit-to-send delay, on loopback, bounded.
 *
 * <ol>
 *   <li>baseline: the local fake Resend hit directly by {@code concurrency} virtual threads with
 *       the worker's own HTTP client and request shape;
 *   <li>throughput: {@code rows} outbox rows committed at once, drained by the real worker (rate
 *       limit lifted, same concurrency): rows delivered per second;
 *   <li>delay: one row per transaction at a fixed rate; from each commit returning to the fake
 *       receiving that row's request (one JVM, one clock): p50, p99.
 * </ol>
 * Usage: {@code OutboxBench [rows=3000] [concurrency=16] [delayRate=100] [delaySeconds=10]}.
 */
public final class OutboxBench {
    private static final MediaType JSON = MediaType.get("application/json");

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int delayRate = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int delaySeconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;

        Map<String, Long> received = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();
        Javalin fake = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/emails", ctx -> {
                received.putIfAbsent(ctx.header("Idempotency-Key"), System.nanoTime());
                ctx.header("ratelimit-limit", "1000000").header("ratelimit-remaining", "999999").header("ratelimit-reset", "1");
                ctx.contentType("application/json").result("{\"id\":\"" + ids.incrementAndGet() + "\"}");
            });
        }).start();
        String base = "http://127.0.0.1:" + fake.port();

        try (TestDatabase db = TestDatabase.migrated(concurrency + 8)) {
            try (Connection c = db.connect()) {
                c.createStatement().execute("delete from private.email_outbox");
            }
            baseline(base, Math.max(rows / 3, 500), concurrency); // warm-up: JIT, connections
            double direct = baseline(base, rows, concurrency);
            received.clear();

            EmailSettings settings = EmailSettings.load(Map.of("RESEND_API_KEY", "re_bench", "RESEND_BASE_URL", base,
                    "EMAIL_RATE_PER_SECOND", "0", "EMAIL_WORKER_CONCURRENCY", Integer.toString(concurrency)), Mode.DEV,
                    Files.createTempDirectory("outbox-bench"));
            try (EmailOutbox outbox = EmailOutbox.start(db.dataSource(), settings,
                    new ResendSender(ResendSender.defaultHttpClient(), base, "re_bench", 0, Clock.systemUTC()));
                    Notifications listen = new Notifications(db.dataSource()).on("email_outbox", outbox::wake).start()) {
                while (!listen.connected()) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
                warmUp(db, received, 500);
                received.clear();

                long t0 = System.nanoTime();
                try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                        "select count(private.enqueue_email('a0000000-0000-4000-8000-000000000001', 'enrollment_created', "
                                + "'{\"course_title\":\"Bench\",\"course_slug\":\"bench\"}'::jsonb, 'bulk:' || g, true)) from generate_series(1, ?) g")) {
                    ps.setInt(1, rows);
                    ps.execute();
                }
                while (received.size() < rows && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(120)) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                double outboxRate = received.size() / ((System.nanoTime() - t0) / 1e9);
                int bulkDelivered = received.size();
                received.clear();

                long[] delays = delays(db, received, delayRate, delaySeconds);
                System.out.printf("%n| measure | value |%n| --- | --- |%n");
                System.out.printf("| fake provider hit directly, %d virtual threads | %.0f requests/s |%n", concurrency, direct);
                System.out.printf("| outbox, %d rows committed at once, worker concurrency %d, rate limit lifted | %.0f rows delivered/s (%d delivered) |%n",
                        rows, concurrency, outboxRate, bulkDelivered);
                System.out.printf("| outbox / direct | %.2f |%n", outboxRate / direct);
                System.out.printf("| commit-to-send delay, one row per transaction at %d/s for %d s (%d rows) | p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms |%n",
                        delayRate, delaySeconds, delays.length, pct(delays, 50), pct(delays, 90), pct(delays, 99), pct(delays, 100));
            }
        } finally {
            fake.stop();
        }
        System.exit(0);
    }

    private static double baseline(String base, int rows, int concurrency) throws Exception {
        OkHttpClient http = ResendSender.defaultHttpClient();
        String body = "{\"from\":\"Gatehouse <onboarding@resend.dev>\",\"to\":[\"student@example.com\"],\"subject\":\"You are enrolled in Bench\","
                + "\"html\":\"<p>You are enrolled</p>\",\"text\":\"You are enrolled\",\"tags\":[{\"name\":\"template\",\"value\":\"enrollment_created\"}]}";
        AtomicLong next = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        long t0 = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (long i = next.getAndIncrement(); i < rows; i = next.getAndIncrement()) {
                        Request r = new Request.Builder().url(base + "/emails").header("Authorization", "Bearer re_bench")
                                .header("Idempotency-Key", "direct:" + i).post(RequestBody.create(body, JSON)).build();
                        try (Response resp = http.newCall(r).execute()) {
                            resp.body().string();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await(120, TimeUnit.SECONDS);
        return rows / ((System.nanoTime() - t0) / 1e9);
    }

    private static void warmUp(TestDatabase db, Map<String, Long> received, int n) throws Exception {
        try (Connection c = db.connect()) {
            c.createStatement().execute("select count(private.enqueue_email('a0000000-0000-4000-8000-000000000001', 'welcome', '{}'::jsonb, 'warm:' || g, true)) from generate_series(1, " + n + ") g");
        }
        long t0 = System.nanoTime();
        while (received.size() < n && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static long[] delays(TestDatabase db, Map<String, Long> received, int rate, int seconds) throws Exception {
        int total = rate * seconds;
        long[] committed = new long[total];
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "select private.enqueue_email('a0000000-0000-4000-8000-000000000001', 'enrollment_created', '{\"course_title\":\"Bench\"}'::jsonb, ?, true)")) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                ps.setString(1, "delay:" + i);
                ps.execute(); // autocommit: the NOTIFY is delivered at this commit
                committed[i] = System.nanoTime();
            }
        }
        long t0 = System.nanoTime();
        while (received.size() < total && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            Long got = received.get("delay:" + i);
            if (got != null) {
                out.add(got - committed[i]);
            }
        }
        return out.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1));
        return sorted[i] / 1e6;
    }
}
