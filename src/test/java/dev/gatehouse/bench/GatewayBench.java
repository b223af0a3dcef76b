package dev.gatehouse.bench;

import dev.gatehouse.bench.LoadClient.Sample;
import dev.gatehouse.bench.LoadClient.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway benchmark (issue 14): one run measures the local upstream directly and through the
 * gateway, interleaved, in closed loop (concurrency 1, 16, 64), in open loop (fixed rates up to
 * saturation), with 1 user and with 200, the streams' time to first byte, and thousands of
 * trickling streams held at once; then writes {@code bench/RESULTS.md} beside the baselines in
 * {@code bench/gateway-baseline.properties}. Three JVMs, all on loopback: {@code upstream}
 * ({@link BenchUpstream}), {@code serve} ({@link BenchServer}) and {@code load} (this).
 * Run: {@code bench/gateway.sh [--quick] [--profile]}.
 */
public final class GatewayBench {
    /** How long and how wide a run is: the full one or the few-minutes quick one. */
    record Plan(boolean quick, int warmupSeconds, double phaseSeconds, int rounds, int[] concurrencies, int[] users,
                int[] rates, int streams, boolean profile, boolean streamsOnly, int openOnlyRuns) {
        Plan(boolean quick, int warmupSeconds, double phaseSeconds, int rounds, int[] concurrencies, int[] users, int[] rates, int streams,
             boolean profile) {
            this(quick, warmupSeconds, phaseSeconds, rounds, concurrencies, users, rates, streams, profile, false, 0);
        }

        Plan onlyStreams() {
            return new Plan(quick, warmupSeconds, phaseSeconds, rounds, concurrencies, users, rates, streams, profile, true, 0);
        }

        /** Only the p99 target's phase (open loop, 1,000 req/s, 200 users), {@code runs} times: its spread, for an A/B. */
        Plan onlyOpen(int runs) {
            if (runs < 1 || runs > 50) {
                throw new IllegalArgumentException("BENCH_OPEN_RUNS must be 1 to 50, not " + runs);
            }
            return new Plan(quick, warmupSeconds, phaseSeconds, rounds, concurrencies, users, rates, streams, profile, false, runs);
        }

        static Plan of(boolean quick, int streams, boolean profile) {
            return quick
                    ? new Plan(true, 10, 4, 1, new int[] {1, 16, 64}, new int[] {200, 1}, new int[] {500, 1000, 2000, 3000}, streams, profile)
                    : new Plan(false, 30, 10, 2, new int[] {1, 16, 64}, new int[] {200, 1}, new int[] {250, 500, 1000, 1500, 2000, 3000, 4000},
                            streams, profile);
        }
    }

    /** One measured phase: direct or through the gateway, with the server's CPU per request when through it. */
    /**
     * {@code leaseWaits}: the share of the gateway's requests whose admission waited for a quota lease take in Postgres
     * ({@code gatehouse_quota_lease_wait_seconds}), {@code leaseWaitMs} their mean wait; NaN for the direct target.
     */
    record Row(String kind, int users, int load, String target, Sample sample, double jvmMicros, double pgMicros, double allocKib, String loadAverage,
            double leaseWaits, double leaseWaitMs) {}

    /**
     * How fast the streams phase opens its streams: with {@link BenchUpstream#TRICKLE_CHUNKS} chunks
     * {@link BenchUpstream#TRICKLE_INTERVAL} apart (40 s), 10,000 streams opened in 12.5 s (or
     * twice that, when the service starts them more slowly) are all open together for a while.
     * {@code BENCH_STREAMS_PER_SECOND} sets another rate (from 100: slower than 250/s, the first
     * streams would end before the last ones open).
     */
    static final int STREAMS_OPENED_PER_SECOND = streamsPerSecond(System.getenv("BENCH_STREAMS_PER_SECOND"));

    static int streamsPerSecond(String configured) {
        if (configured == null || configured.isBlank()) {
            return 800;
        }
        int rate = Integer.parseInt(configured.strip());
        if (rate < 100) {
            throw new IllegalArgumentException("BENCH_STREAMS_PER_SECOND must be at least 100, not " + rate);
        }
        return rate;
    }

    private final Plan plan;
    private final LoadClient client = new LoadClient();
    private final Map<String, String> endpoints;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, String> facts = new HashMap<>();

    private GatewayBench(Plan plan, Map<String, String> endpoints) {
        this.plan = plan;
        this.endpoints = endpoints;
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "upstream" -> BenchUpstream.serve(Path.of(args[1]), Integer.parseInt(args[2]),
                    args.length > 4 ? Path.of(args[3]) : null, args.length > 4 ? args[4] : null);
            case "serve" -> BenchServer.serve(Path.of(args[1]), args[2], Integer.parseInt(args[3]), args.length > 4 ? args[4] : args[2]);
            case "load" -> {
                List<String> flags = Arrays.asList(args).subList(4, args.length);
                Plan plan = Plan.of(flags.contains("--quick"), Integer.parseInt(args[2]), flags.contains("--profile"));
                if (flags.contains("--streams-only")) {
                    plan = plan.onlyStreams();
                } else if (flags.contains("--open-only")) {
                    plan = plan.onlyOpen(Integer.parseInt(System.getenv().getOrDefault("BENCH_OPEN_RUNS", "5").strip()));
                }
                Map<String, String> endpoints = new HashMap<>();
                for (String line : Files.readAllLines(Path.of(args[1]))) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        endpoints.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
                GatewayBench bench = new GatewayBench(plan, endpoints);
                bench.run();
                if (plan.openOnlyRuns() > 0) {
                    return; // its figures are the log's lines and summary: a spread to compare, not results to keep
                }
                // A streams-only run is for looking at that phase; it never replaces the full results.
                BenchReport.write(plan.streamsOnly() ? Path.of("target/bench/RESULTS-streams.md") : Path.of(args[3]), plan, bench.rows, bench.facts);
            }
            default -> throw new IllegalArgumentException("usage: upstream <port-file> <seconds> [<tls-keystore> <password>]"
                    + " | serve <endpoints-file> <upstream-url> <seconds> [<streams-upstream-url>]"
                    + " | load <endpoints-file> <streams> <results.md> [--quick] [--profile]");
        }
    }

    /** Estimated seconds of {@code load}, for the script's bound. */
    static int estimateSeconds(Plan p) {
        double phases = p.concurrencies.length * p.users.length + p.rates.length + 3;
        return (int) (2 * p.warmupSeconds + 2 * phases * (p.phaseSeconds + 1 + p.rounds * LEAD_IN_SECONDS) + 90);
    }

    private Target target(String name, int users) {
        List<String> tokens = Arrays.asList(endpoints.get("tokens").split(","));
        return new Target(name, endpoints.get(name), tokens.subList(0, Math.min(users, tokens.size())));
    }

    private void run() throws Exception {
        long began = System.nanoTime();
        facts.put("load_before", loadAverage());
        Target direct = target("upstream", BenchServer.USERS);
        Target gateway = target("gateway", BenchServer.USERS);
        log("warming up " + plan.warmupSeconds + " s per target (JIT, pools, plan caches), then the gateway until its CPU per request settles");
        client.closed(direct, 16, plan.warmupSeconds, false);
        client.closed(gateway, 16, plan.warmupSeconds, false);
        client.closed(gateway, 4, 2, true);
        warmUntilSteady(gateway);
        if (plan.openOnlyRuns() > 0) {
            openOnly();
            return;
        }
        if (plan.streamsOnly()) {
            ttfb();
            holdStreams(gateway);
            facts.put("load_after", loadAverage());
            facts.put("load_seconds", String.format("%.0f", (System.nanoTime() - began) / 1e9));
            return;
        }
        for (int users : plan.users) {
            for (int c : plan.concurrencies) {
                if (users == 1 && plan.quick && c != 16) {
                    continue;
                }
                interleave("closed", users, c, (t, seconds) -> client.closed(t, c, seconds, false));
            }
        }
        for (int rate : plan.rates) {
            Row via = interleave("open", BenchServer.USERS, rate, (t, seconds) -> client.open(t, rate, seconds));
            if (rate == 1000 && !plan.quick) {
                interleave("open", 1, rate, (t, seconds) -> client.open(t, rate, seconds));
            }
            if (via.sample().perSecond() < 0.9 * rate || via.sample().p(50) > 200) {
                log("gateway saturated at " + rate + "/s; no higher rates");
                break;
            }
        }
        ttfb();
        holdStreams(gateway);
        facts.put("load_after", loadAverage());
        facts.put("load_seconds", String.format("%.0f", (System.nanoTime() - began) / 1e9));
    }

    /**
     * The open loop at 1,000 req/s from 200 users, {@link Plan#openOnlyRuns} times (each interleaved with the
     * direct target as in a full run), then the added p50 and p99 of each and their medians: the p99 moves by
     * a few milliseconds from one run to the next on shared cores, so one run cannot tell two builds apart.
     */
    private void openOnly() throws Exception {
        int rate = 1000;
        double[] p50 = new double[plan.openOnlyRuns()];
        double[] p99 = new double[plan.openOnlyRuns()];
        for (int i = 0; i < plan.openOnlyRuns(); i++) {
            Row gateway = interleave("open", BenchServer.USERS, rate, (t, seconds) -> client.open(t, rate, seconds));
            Row direct = rows.get(rows.size() - 2);
            p50[i] = gateway.sample().p(50) - direct.sample().p(50);
            p99[i] = gateway.sample().p(99) - direct.sample().p(99);
        }
        log("open-only at " + rate + " req/s, added p50 by run " + millis(p50) + ", median " + String.format("%.3f", median(p50)));
        log("open-only at " + rate + " req/s, added p99 by run " + millis(p99) + ", median " + String.format("%.3f", median(p99)));
    }

    private static String millis(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format("%.3f", v)).toList().toString();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * Time to first byte at concurrency 16: of fast streams (the whole answer at once), and of
     * streams the upstream trickles (10 chunks 20 ms apart), where callers hold streams open while
     * others start, as they do in production.
     */
    private void ttfb() throws Exception {
        interleave("ttfb", BenchServer.USERS, 16, (t, seconds) -> client.closed(t, 16, seconds, true));
        interleave("ttfb-trickle", BenchServer.USERS, 16, (t, seconds) -> client.closed(t, 16, seconds, LoadClient.TTFB_TRICKLE));
    }

    /**
     * The JIT keeps compiling long after a fixed warm-up on two cores (a third of the samples in a
     * profile 40 s in), which inflates every figure: load the gateway in 5 s windows, both streaming
     * and not, for at least {@link #MIN_WARMUP_SECONDS} and until its JVM CPU per request changes by
     * less than 5 % over two windows in a row (or {@link #MAX_WARMUP_SECONDS} pass), and say how long
     * that took.
     */
    private void warmUntilSteady(Target gateway) throws Exception {
        long began = System.nanoTime();
        double last = Double.NaN;
        int steady = 0;
        double bound = plan.quick ? MAX_WARMUP_SECONDS / 2.0 : MAX_WARMUP_SECONDS;
        while ((steady < 2 || (System.nanoTime() - began) / 1e9 < MIN_WARMUP_SECONDS)
                && (System.nanoTime() - began) / 1e9 < bound) {
            Map<String, Long> s0 = stats();
            Sample s = client.closed(gateway, 32, 4, false);
            Sample t = client.closed(gateway, 8, 1, true);
            Map<String, Long> s1 = stats();
            double perRequest = (s1.get("jvm_cpu_ns") - s0.get("jvm_cpu_ns")) / 1e3 / Math.max(1, s.nanos().length + t.nanos().length);
            steady = Math.abs(perRequest - last) < 0.05 * last ? steady + 1 : 0;
            log(String.format("warm-up: %.0f req/s, jvm %.0f us/req", s.perSecond(), perRequest));
            last = perRequest;
        }
        facts.put("warmup_seconds", String.format("%.0f", (System.nanoTime() - began) / 1e9));
        facts.put("warmup_steady", Boolean.toString(steady >= 2));
    }

    private static final int MAX_WARMUP_SECONDS = 120;
    /** A run that stopped after 15 s because two windows happened to agree still had the JIT at work. */
    private static final int MIN_WARMUP_SECONDS = 40;

    /** One phase's load against a target for {@code seconds}. */
    interface Phase {
        Sample run(Target t, double seconds) throws Exception;
    }

    /**
     * Each measured run is preceded by this much of the same load, not recorded. Without it every gateway run
     * began after the direct run's seconds of idleness, so all 200 users' quota leases had retired (a lease
     * admits for 3 s unless it is in use) and all 200 took one in the run's first milliseconds: a cold start
     * no steady workload has, which was most of the p90 and p99 from 200 users (bench/README.md, session 23).
     * The same lead-in goes before the direct runs. {@code BENCH_LEAD_IN_SECONDS=0} measures the cold start.
     */
    static final double LEAD_IN_SECONDS = Double.parseDouble(System.getenv().getOrDefault("BENCH_LEAD_IN_SECONDS", "1"));

    /** Direct and gateway alternately, {@code plan.rounds} times each, merged; answers the gateway's row. */
    private Row interleave(String kind, int users, int load, Phase phase) throws Exception {
        Target direct = target("upstream", users);
        Target gateway = target("gateway", users);
        Sample d = null;
        Sample g = null;
        Map<String, Long> before = stats();
        // BENCH_PROFILE_PHASE=ttfb (or ttfb-trickle): that phase is profiled instead of the closed loop at concurrency 16;
        // open: the open loop at 1,000 req/s (the p99 target's phase)
        String profiled = System.getenv().getOrDefault("BENCH_PROFILE_PHASE", "closed");
        boolean profile = plan.profile && kind.equals(profiled) && load == (kind.equals("open") ? 1000 : 16) && users == BenchServer.USERS;
        for (int r = 0; r < plan.rounds; r++) {
            if (LEAD_IN_SECONDS > 0) {
                phase.run(direct, LEAD_IN_SECONDS);
            }
            Sample sd = phase.run(direct, plan.phaseSeconds / plan.rounds);
            d = d == null ? sd : Sample.merge(d, sd);
            if (LEAD_IN_SECONDS > 0) {
                phase.run(gateway, LEAD_IN_SECONDS);
            }
            Map<String, Long> s0 = stats();
            if (profile && r == 0) {
                client.get(endpoints.get("control") + "/profile/start");
            }
            Sample sg = phase.run(gateway, plan.phaseSeconds / plan.rounds);
            if (profile && r == 0) {
                Path file = Path.of("target/bench/profile-" + kind + "-" + load + ".collapsed").toAbsolutePath();
                facts.put("profile", client.get(endpoints.get("control") + "/profile/stop?file=" + file));
                facts.put("profile_file", file.toString());
            }
            Map<String, Long> s1 = stats();
            before.merge("jvm_gw", s1.get("jvm_cpu_ns") - s0.get("jvm_cpu_ns"), Long::sum);
            before.merge("pg_gw", s1.get("pg_cpu_ns") - s0.get("pg_cpu_ns"), Long::sum);
            before.merge("alloc_gw", s1.get("alloc_bytes") - s0.get("alloc_bytes"), Long::sum);
            before.merge("waits_gw", s1.get("lease_waits") - s0.get("lease_waits"), Long::sum);
            before.merge("wait_ns_gw", s1.get("lease_wait_ns") - s0.get("lease_wait_ns"), Long::sum);
            g = g == null ? sg : Sample.merge(g, sg);
        }
        String load1 = loadAverage();
        Row rd = new Row(kind, users, load, "direct", d, Double.NaN, Double.NaN, Double.NaN, load1, Double.NaN, Double.NaN);
        int n = Math.max(g.nanos().length, 1);
        long waits = before.getOrDefault("waits_gw", 0L);
        Row rg = new Row(kind, users, load, "gateway", g, before.getOrDefault("jvm_gw", 0L) / 1e3 / n,
                before.get("pg_cpu_ns") < 0 ? Double.NaN : before.getOrDefault("pg_gw", 0L) / 1e3 / n,
                before.getOrDefault("alloc_gw", 0L) / 1024.0 / n, load1, (double) waits / n,
                waits == 0 ? Double.NaN : before.getOrDefault("wait_ns_gw", 0L) / 1e6 / waits);
        rows.add(rd);
        rows.add(rg);
        log(String.format("%-6s users=%-3d load=%-5d direct p50 %.3f p99 %.3f %.0f/s | gateway p50 %.3f p99 %.3f %.0f/s err %d | jvm %.0f us pg %.0f us %.1f KiB/req | lease waits %.2f %% avg %.1f ms | load %s",
                kind, users, load, d.p(50), d.p(99), d.perSecond(), g.p(50), g.p(99), g.perSecond(), g.errors(), rg.jvmMicros(), rg.pgMicros(),
                rg.allocKib(), 100 * rg.leaseWaits(), rg.leaseWaitMs(), load1));
        return rg;
    }

    private void holdStreams(Target gateway) throws Exception {
        client.get(endpoints.get("control") + "/gc");
        Map<String, Long> idle = stats();
        long[] peak = {0, 0, 0};
        long[] afterGc = {-1, -1};
        // Once (nearly) every stream is live, a full GC on the service: the heap it keeps is what the streams hold.
        // If they never all get there, at the latest 12 s after the last was asked for (a stop-the-world pause of up
        // to 0.7 s: while streams are still being admitted it would add to their wait, so never during the ramp).
        java.util.concurrent.atomic.AtomicLong gcAt = new java.util.concurrent.atomic.AtomicLong(); // 0: the ramp has not started
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    if (afterGc[0] < 0 && (client.liveStreams.get() >= 0.95 * plan.streams || (gcAt.get() != 0 && System.nanoTime() - gcAt.get() >= 0))) {
                        client.get(endpoints.get("control") + "/gc");
                        afterGc[0] = stats().get("heap_used");
                        afterGc[1] = client.liveStreams.get();
                    }
                    Map<String, Long> s = stats();
                    peak[0] = Math.max(peak[0], s.get("heap_used"));
                    peak[1] = Math.max(peak[1], s.get("rss"));
                    peak[2] = Math.max(peak[2], s.get("fds"));
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a missed sample is not a failure of the phase
                }
            }
        });
        // As a service's connections to its provider are in steady use: the HTTP/2 connections open and that path compiled.
        client.closed(gateway, 1, 2, LoadClient.STREAM_H2); // one connection first, which the rest then share
        Sample warm = client.closed(gateway, 64, 5, LoadClient.STREAM_H2);
        log(String.format("streams warm-up over HTTP/2: %.0f streams/s, %d errors", warm.perSecond(), warm.errors()));
        log("holding " + plan.streams + " trickling streams");
        gcAt.set(System.nanoTime() + (long) ((plan.streams / (double) STREAMS_OPENED_PER_SECOND + 12) * 1e9));
        LoadClient.Held held = client.hold(gateway, plan.streams, STREAMS_OPENED_PER_SECOND);
        sampler.interrupt();
        sampler.join();
        Map<String, Long> after = stats();
        facts.put("streams", Integer.toString(held.streams()));
        facts.put("streams_ok", Integer.toString(held.ok()));
        facts.put("streams_errors", Integer.toString(held.errors()));
        facts.put("streams_max_open", Integer.toString(held.maxOpen()));
        facts.put("streams_max_live", Integer.toString(held.maxLive()));
        facts.put("streams_per_second", Integer.toString(STREAMS_OPENED_PER_SECOND));
        facts.put("service_fds_peak", Long.toString(peak[2]));
        facts.put("heap_after_gc", Long.toString(afterGc[0]));
        facts.put("live_at_gc", Long.toString(afterGc[1]));
        facts.put("streams_seconds", String.format("%.1f", held.seconds()));
        facts.put("streams_failures", held.failures().isEmpty() ? "none" : held.failures().toString());
        facts.put("heap_idle", Long.toString(idle.get("heap_used")));
        facts.put("heap_peak_sampled", Long.toString(peak[0]));
        facts.put("heap_max", Long.toString(after.get("heap_max")));
        facts.put("rss_idle", Long.toString(idle.get("rss")));
        facts.put("rss_peak_sampled", Long.toString(peak[1]));
        facts.put("rss_hwm", Long.toString(after.get("rss_peak")));
        facts.put("streams_load", loadAverage());
        log("streams: " + held + ", heap peak " + (peak[0] >> 20) + " MiB, rss peak " + (peak[1] >> 20) + " MiB");
    }

    private Map<String, Long> stats() throws Exception {
        Map<String, Long> s = new HashMap<>();
        for (String line : client.get(endpoints.get("control") + "/stats").split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                s.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
            }
        }
        // The service's own count of requests that waited for a lease take, and their waits in all (Prometheus text).
        long waits = 0;
        double seconds = 0;
        for (String line : client.get(endpoints.get("gateway") + "/metrics", endpoints.get("ops_token")).split("\n")) {
            if (line.startsWith("gatehouse_quota_lease_wait_seconds_count")) {
                waits += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("gatehouse_quota_lease_wait_seconds_sum")) {
                seconds += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        s.put("lease_waits", waits);
        s.put("lease_wait_ns", (long) (seconds * 1e9));
        return s;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    private static void log(String line) {
        System.out.println(java.time.LocalTime.now().withNano(0) + " " + line);
    }
}
