package dev.gatehouse.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator's requests and loops: closed loop (N callers, each sends its next request when
 * the last one answered) and open loop (request i is due at start + i/rate and its latency counts
 * from then, so a stall is not hidden by the client slowing down). One {@code java.net.http}
 * client, HTTP/1.1 keep-alive, virtual threads.
 */
final class LoadClient {
    static final String CHAT = "{\"model\":\"bench\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    static final String STREAM = "{\"model\":\"bench\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    /** A fast stream from the HTTP/2 upstream: warms the streams phase's connections and code path. */
    static final String STREAM_H2 = "{\"model\":\"bench-h2\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    /** A short stream the upstream trickles (10 chunks, 20 ms apart): the ttfb-trickle phase. */
    static final String TTFB_TRICKLE = "{\"model\":\"bench-ttfb-trickle\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    static final String TRICKLE = "{\"model\":\"bench-trickle\",\"max_tokens\":32,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(30)).build();

    /** Where the load goes and as whom: {@code baseUrl} plus the tokens it cycles through (one per user). */
    record Target(String name, String baseUrl, List<String> tokens) {
        URI chat() {
            return URI.create(baseUrl + "/v1/chat/completions");
        }
    }

    /** Latencies (sorted, nanoseconds) and errors of one phase. */
    record Sample(long[] nanos, int errors, double seconds) {
        double p(double percentile) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(percentile / 100.0 * nanos.length) - 1;
            return nanos[Math.clamp(i, 0, nanos.length - 1)] / 1e6;
        }

        double perSecond() {
            return nanos.length / seconds;
        }

        static Sample merge(Sample a, Sample b) {
            long[] all = Arrays.copyOf(a.nanos, a.nanos.length + b.nanos.length);
            System.arraycopy(b.nanos, 0, all, a.nanos.length, b.nanos.length);
            Arrays.sort(all);
            return new Sample(all, a.errors + b.errors, a.seconds + b.seconds);
        }
    }

    private HttpRequest request(Target t, String body, int n) {
        return HttpRequest.newBuilder(t.chat()).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + t.tokens().get(n % t.tokens().size()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** One non-streaming call: true when it answered 200. */
    private boolean call(Target t, int n) {
        try {
            return client.send(request(t, CHAT, n), HttpResponse.BodyHandlers.ofByteArray()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * One streaming call: answers the nanoseconds from sending to the first body byte, or -1 when
     * it failed (not 200, no {@code [DONE]}, or an error event).
     */
    long stream(Target t, String body, int n) {
        return stream(t, body, n, null, () -> {}, () -> {});
    }

    /**
     * As {@link #stream(Target, String, int)}, counting why a stream failed in {@code failures} when
     * given; runs {@code live} at its first byte and {@code ended} when a stream that went live ends.
     */
    long stream(Target t, String body, int n, java.util.Map<String, AtomicInteger> failures, Runnable live, Runnable ended) {
        long start = System.nanoTime();
        String failure;
        try {
            HttpResponse<InputStream> res = client.send(request(t, body, n), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = res.body()) {
                int first = in.read();
                long ttfb = System.nanoTime() - start;
                String text;
                live.run();
                try {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } finally {
                    ended.run();
                }
                if (res.statusCode() == 200 && first >= 0 && text.contains("[DONE]") && !text.contains("\"error\"")) {
                    return ttfb;
                }
                failure = res.statusCode() != 200 ? "HTTP " + res.statusCode() + " " + errorCode(text)
                        : text.contains("\"error\"") ? "error event " + errorCode(text) : "no [DONE]";
            }
        } catch (IOException e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        }
        if (failures != null) {
            failures.computeIfAbsent(failure, k -> new AtomicInteger()).incrementAndGet();
        }
        return -1;
    }

    private static String errorCode(String body) {
        int at = body.indexOf("\"code\":");
        return at < 0 ? "" : body.substring(at, Math.min(body.length(), at + 40)).split("[,}]")[0];
    }

    /** {@code concurrency} callers, each calling in a loop for {@code seconds}; streaming records time to first byte. */
    Sample closed(Target t, int concurrency, double seconds, boolean streaming) throws InterruptedException {
        return closed(t, concurrency, seconds, streaming ? STREAM : null);
    }

    /** As {@link #closed(Target, int, double, boolean)}, streaming {@code streamBody} (null: not streaming). */
    Sample closed(Target t, int concurrency, double seconds, String streamBody) throws InterruptedException {
        boolean streaming = streamBody != null;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long[][] perCaller = new long[concurrency][];
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger counts = new AtomicInteger();
        int[] sizes = new int[concurrency];
        long begin = System.nanoTime();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < concurrency; c++) {
                long[] mine = new long[1 << 16];
                perCaller[c] = mine;
                int id = c;
                callers.submit(() -> {
                    long[] buf = mine;
                    int k = 0;
                    int n = id;
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        long took;
                        if (streaming) {
                            took = stream(t, streamBody, n);
                        } else {
                            took = call(t, n) ? System.nanoTime() - s : -1;
                        }
                        n += concurrency;
                        if (took < 0) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (k == buf.length) {
                            buf = Arrays.copyOf(buf, buf.length * 2);
                            perCaller[id] = buf;
                        }
                        buf[k++] = took;
                    }
                    sizes[id] = k;
                    counts.addAndGet(k);
                });
            }
        }
        double elapsed = (System.nanoTime() - begin) / 1e9;
        long[] all = new long[counts.get()];
        int at = 0;
        for (int c = 0; c < concurrency; c++) {
            System.arraycopy(perCaller[c], 0, all, at, sizes[c]);
            at += sizes[c];
        }
        Arrays.sort(all);
        return new Sample(all, errors.get(), elapsed);
    }

    /** Open loop at {@code rate} requests/s for {@code seconds}; latency counts from each request's due time. */
    Sample open(Target t, int rate, double seconds) {
        int total = (int) (rate * seconds);
        long[] latencies = new long[total];
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime() + 20_000_000;
        double interval = 1e9 / rate;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + (long) (i * interval);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int n = i;
                senders.submit(() -> {
                    if (call(t, n)) {
                        latencies[done.getAndIncrement()] = System.nanoTime() - due;
                    } else {
                        errors.incrementAndGet();
                    }
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.copyOf(latencies, done.get());
        Arrays.sort(sorted);
        return new Sample(sorted, errors.get(), elapsed);
    }

    /** What holding many streams at once showed. */
    /** @param maxOpen most requests in flight at once; {@code maxLive} most streams past their first byte and not yet ended */
    record Held(int streams, int ok, int errors, int maxOpen, int maxLive, double seconds, java.util.Map<String, AtomicInteger> failures) {}

    /** Streams of the running {@link #hold} past their first byte and not yet ended. */
    final AtomicInteger liveStreams = new AtomicInteger();

    /** Opens {@code streams} trickling streams at {@code perSecond}, holds them to their end, counts failures. */
    Held hold(Target t, int streams, int perSecond) {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        AtomicLong maxOpen = new AtomicLong();
        AtomicInteger live = liveStreams;
        live.set(0);
        AtomicLong maxLive = new AtomicLong();
        java.util.Map<String, AtomicInteger> failures = new java.util.concurrent.ConcurrentHashMap<>();
        long start = System.nanoTime();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < streams; i++) {
                long due = start + (long) (i * (1e9 / perSecond));
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                int n = i;
                callers.submit(() -> {
                    maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                    long r = stream(t, TRICKLE, n, failures, () -> maxLive.accumulateAndGet(live.incrementAndGet(), Math::max), live::decrementAndGet);
                    open.decrementAndGet();
                    (r < 0 ? errors : ok).incrementAndGet();
                });
            }
        }
        return new Held(streams, ok.get(), errors.get(), (int) maxOpen.get(), (int) maxLive.get(), (System.nanoTime() - start) / 1e9, failures);
    }

    /** A plain GET, for the server's control port. */
    String get(String url) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** {@code url} with {@code token} as its bearer; the body of a 200, else an IOException. */
    String get(String url, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
