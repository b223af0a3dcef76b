package dev.gatehouse.ops;

import dev.gatehouse.jobs.QueueStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The last minutes of activity in fixed windows, for the status page: per deployment the calls,
 * errors and a bounded sample of latencies (for percentiles), refusals by reason, webhook deliveries
 * by result, and queue samples. Lock-free on the write side (virtual threads must not pin), bounded
 * in memory, and per instance: a page shows the instance it was served by.
 */
final class RecentActivity {
    static final int WINDOW_SECONDS = 10;
    static final int WINDOWS = 90; // 15 minutes
    private static final int SAMPLES = 256;

    private static final class Deployment {
        final LongAdder calls = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final AtomicLongArray latencyMicros = new AtomicLongArray(SAMPLES);
        final AtomicInteger sampled = new AtomicInteger();

        void latency(long micros) {
            int i = sampled.getAndIncrement();
            latencyMicros.set(Math.floorMod(i, SAMPLES), micros);
        }

        /** p50, p95 and p99 in milliseconds of what was sampled, or nulls when nothing was. */
        Double[] percentiles() {
            int n = Math.min(sampled.get(), SAMPLES);
            if (n == 0) {
                return new Double[] {null, null, null};
            }
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = latencyMicros.get(i);
            }
            Arrays.sort(v);
            return new Double[] {at(v, 0.50), at(v, 0.95), at(v, 0.99)};
        }

        private static Double at(long[] sorted, double q) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1000.0;
        }
    }

    private record Window(long id, Map<String, Deployment> deployments, Map<String, LongAdder> rejections,
            Map<String, LongAdder> webhooks, Map<String, QueueStats> queues) {
        Window(long id) {
            this(id, new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }
    }

    private final AtomicReferenceArray<Window> windows = new AtomicReferenceArray<>(WINDOWS);

    void upstream(String deployment, long latencyNanos, boolean failed) {
        Deployment d = now().deployments.computeIfAbsent(deployment, k -> new Deployment());
        d.calls.increment();
        if (failed) {
            d.errors.increment();
        }
        d.latency(latencyNanos / 1000);
    }

    void skipped(String deployment) {
        now().deployments.computeIfAbsent(deployment, k -> new Deployment()).skipped.increment();
    }

    void rejected(String reason) {
        now().rejections.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    void webhook(String result) {
        now().webhooks.computeIfAbsent(result, k -> new LongAdder()).increment();
    }

    void queues(Map<String, QueueStats> stats) {
        now().queues.putAll(stats);
    }

    private Window now() {
        long id = System.currentTimeMillis() / 1000 / WINDOW_SECONDS;
        int slot = (int) Math.floorMod(id, (long) WINDOWS);
        Window w = windows.get(slot);
        while (w == null || w.id != id) {
            Window fresh = new Window(id);
            if (windows.compareAndSet(slot, w, fresh)) {
                return fresh;
            }
            w = windows.get(slot);
        }
        return w;
    }

    /**
     * Column-oriented series, oldest window first, as the page's charts take them: {@code times}
     * (window starts, epoch seconds) and one array per series, null where there was no data.
     */
    Map<String, Object> series() {
        long last = System.currentTimeMillis() / 1000 / WINDOW_SECONDS;
        List<Window> ordered = new ArrayList<>(WINDOWS);
        TreeSet<String> deployments = new TreeSet<>();
        TreeSet<String> reasons = new TreeSet<>();
        TreeSet<String> results = new TreeSet<>();
        TreeSet<String> queueNames = new TreeSet<>();
        long[] times = new long[WINDOWS];
        for (int i = 0; i < WINDOWS; i++) {
            long id = last - WINDOWS + 1 + i;
            times[i] = id * WINDOW_SECONDS;
            Window w = windows.get((int) Math.floorMod(id, (long) WINDOWS));
            w = w != null && w.id == id ? w : null;
            ordered.add(w);
            if (w != null) {
                deployments.addAll(w.deployments.keySet());
                reasons.addAll(w.rejections.keySet());
                results.addAll(w.webhooks.keySet());
                queueNames.addAll(w.queues.keySet());
            }
        }
        Map<String, Object> perDeployment = new LinkedHashMap<>();
        for (String name : deployments) {
            Double[][] p = new Double[3][WINDOWS];
            Double[] errorRate = new Double[WINDOWS];
            long[] calls = new long[WINDOWS];
            long[] skipped = new long[WINDOWS];
            for (int i = 0; i < WINDOWS; i++) {
                Deployment d = ordered.get(i) == null ? null : ordered.get(i).deployments.get(name);
                if (d == null) {
                    continue;
                }
                Double[] q = d.percentiles();
                p[0][i] = q[0];
                p[1][i] = q[1];
                p[2][i] = q[2];
                calls[i] = d.calls.sum();
                skipped[i] = d.skipped.sum();
                errorRate[i] = calls[i] == 0 ? null : 100.0 * d.errors.sum() / calls[i];
            }
            perDeployment.put(name, Map.of("p50_ms", p[0], "p95_ms", p[1], "p99_ms", p[2], "error_rate_percent", errorRate,
                    "calls", calls, "skipped", skipped));
        }
        Map<String, Object> queues = new LinkedHashMap<>();
        for (String name : queueNames) {
            Long[] depth = new Long[WINDOWS];
            Long[] dead = new Long[WINDOWS];
            Double[] oldest = new Double[WINDOWS];
            for (int i = 0; i < WINDOWS; i++) {
                QueueStats s = ordered.get(i) == null ? null : ordered.get(i).queues.get(name);
                if (s != null) {
                    depth[i] = s.depth();
                    dead[i] = s.dead();
                    oldest[i] = s.oldestPendingAgeSeconds();
                }
            }
            queues.put(name, Map.of("depth", depth, "dead", dead, "oldest_pending_seconds", oldest));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("window_seconds", WINDOW_SECONDS);
        out.put("times", times);
        out.put("deployments", perDeployment);
        out.put("rejections", counts(ordered, reasons, Window::rejections));
        out.put("webhooks", counts(ordered, results, Window::webhooks));
        out.put("queues", queues);
        return out;
    }

    private static Map<String, long[]> counts(List<Window> ordered, TreeSet<String> keys, java.util.function.Function<Window, Map<String, LongAdder>> of) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String key : keys) {
            long[] v = new long[ordered.size()];
            for (int i = 0; i < v.length; i++) {
                LongAdder a = ordered.get(i) == null ? null : of.apply(ordered.get(i)).get(key);
                v[i] = a == null ? 0 : a.sum();
            }
            out.put(key, v);
        }
        return out;
    }
}
