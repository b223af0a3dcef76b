package dev.gatehouse.bench;

import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The benchmark's OpenAI-shaped upstream, in its own JVM so its CPU is not the gateway's: a
 * non-streaming {@code chat.completion}, and SSE {@code chat.completion.chunk}s either at once
 * (model {@code bench-model}: time to first byte) or trickled (model {@code bench-trickle}: one
 * chunk every {@link #TRICKLE_INTERVAL} for {@link #TRICKLE_CHUNKS} chunks, the 10,000-streams
 * phase), or {@value #TTFB_TRICKLE_CHUNKS} chunks 20 ms apart (model {@code bench-ttfb-trickle}: time to
 * first byte of streams that trickle, the {@code ttfb-trickle} phase). Jetty with keep-alive, as real providers serve; loopback only; exits after its bound.
 * Given a key store, it also serves HTTP/2 over TLS (ALPN, as OpenAI's and Anthropic's APIs do) on
 * a second port, which the streams phase uses: its streams share a few multiplexed connections.
 */
final class BenchUpstream {
    static final Duration TRICKLE_INTERVAL = Duration.ofMillis(1000);
    static final int TRICKLE_CHUNKS = 40;
    private static final byte[] COMPLETION = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"pong","refusal":null},"logprobs":null,"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":8,"completion_tokens":1,"total_tokens":9}}""".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CHUNK = ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAST = ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":3,\"total_tokens\":11}}\n\n"
            + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    private static final int FAST_CHUNKS = 3;
    /** Model {@code bench-ttfb-trickle}: a short answer as a model writes it, for time to first byte while streams trickle. */
    static final int TTFB_TRICKLE_CHUNKS = 10;
    static final Duration TTFB_TRICKLE_INTERVAL = Duration.ofMillis(20);

    private BenchUpstream() {}

    /**
     * The upstream's own account of its trickling streams, logged every {@link #REPORT_EVERY} while any is
     * open: when the gateway reports a silence, this says whether the upstream wrote late (a chunk's
     * write and flush, or its sleep, ran long) or wrote on time and the bytes were held up after it.
     */
    private static final Duration REPORT_EVERY = Duration.ofSeconds(5);
    private static final long LATE_NANOS = Duration.ofSeconds(2).toNanos();
    private static final LongAdder OPEN = new LongAdder();
    private static final LongAdder CHUNKS = new LongAdder();
    private static final LongAdder LATE_WRITES = new LongAdder();
    private static final LongAdder LATE_WAKES = new LongAdder();
    private static final AtomicLong LONGEST_WRITE = new AtomicLong();
    private static final AtomicLong LONGEST_WAKE = new AtomicLong();

    /**
     * Streams one HTTP/2 connection may carry at once; OkHttp opens another connection past it, as
     * with a provider's own cap. With all 10,000 on one connection, its single flusher (framing and
     * TLS) fell behind and a few streams went silent past the read timeout.
     */
    private static final int H2_STREAMS_PER_CONNECTION = 2_000;
    /**
     * The upstream's receive window for a whole connection: as large as OkHttp's own (16 MiB). Jetty's default
     * (1 MiB) is shared by up to 2,000 streams here, far more than a provider multiplexes on one connection, and
     * request bodies of streams whose handler had not yet read them filled it: the gateway could not send the
     * next requests' bodies, and their handlers waited past the 30 s first-event timeout (2,565 first attempts
     * in a streams-only run, 26 streams lost; with this window 597 and none: bench/README.md, session 29).
     */
    private static final int SESSION_RECV_WINDOW = 16 * 1024 * 1024;

    /**
     * Serves on an ephemeral loopback port, writes the port to {@code portFile}, stops after
     * {@code seconds}. With {@code keyStore} (PKCS12, password {@code keyStorePassword}) it also serves
     * HTTP/2 over TLS on a second port, written to {@code portFile} + {@code .tls}.
     */
    static void serve(Path portFile, int seconds, Path keyStore, String keyStorePassword) throws Exception {
        ServerConnector[] tls = new ServerConnector[1];
        Javalin upstream = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/chat/completions", BenchUpstream::answer);
            if (keyStore != null) {
                // A connector of one's own replaces Javalin's default one, so the plain HTTP/1.1 port is added back first.
                config.jetty.addConnector((server, http) -> {
                    ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(http));
                    plain.setHost("127.0.0.1");
                    plain.setPort(0);
                    return plain;
                });
                config.jetty.addConnector((server, http) -> tls[0] = http2OverTls(server, http, keyStore, keyStorePassword));
            }
        }).start();
        Thread.ofPlatform().daemon().name("bench-upstream-report").start(BenchUpstream::report);
        if (tls[0] != null) {
            Files.writeString(Path.of(portFile + ".tls"), Integer.toString(tls[0].getLocalPort()));
        }
        int plain = java.util.Arrays.stream(upstream.jettyServer().server().getConnectors())
                .filter(c -> c != tls[0]).mapToInt(c -> ((ServerConnector) c).getLocalPort()).findFirst().orElseThrow();
        Files.writeString(portFile, Integer.toString(plain));
        Thread.sleep(Duration.ofSeconds(seconds));
        upstream.stop();
    }

    /** TLS with ALPN choosing h2 (HTTP/1.1 for clients that do not offer it), on an ephemeral loopback port. */
    private static ServerConnector http2OverTls(Server server, HttpConfiguration http, Path keyStore, String password) {
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer(false));
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore.toString());
        ssl.setKeyStorePassword(password);
        ssl.setKeyStoreType("PKCS12");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(https);
        h2.setMaxConcurrentStreams(H2_STREAMS_PER_CONNECTION);
        h2.setInitialSessionRecvWindow(SESSION_RECV_WINDOW);
        // A load generator is not an attacker: Jetty's frame-rate guard would close a connection carrying
        // thousands of streams' window updates and resets, ending every stream on it.
        h2.setRateControlFactory(new RateControl.Factory() {});
        h2.setStreamIdleTimeout(Duration.ofMinutes(2).toMillis());
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2,
                new HttpConnectionFactory(https));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        return connector;
    }

    private static void answer(Context ctx) throws IOException, InterruptedException {
        String body = ctx.body();
        if (!body.contains("\"stream\":true")) {
            ctx.contentType("application/json").result(COMPLETION);
            return;
        }
        boolean trickle = body.contains("bench-trickle");
        boolean short_ = body.contains("bench-ttfb-trickle");
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        int chunks = trickle ? TRICKLE_CHUNKS : short_ ? TTFB_TRICKLE_CHUNKS : FAST_CHUNKS;
        if (trickle) {
            OPEN.increment();
        }
        try {
            for (int i = 0; i < chunks; i++) {
                if (trickle && i > 0) {
                    long asleep = System.nanoTime();
                    Thread.sleep(TRICKLE_INTERVAL);
                    account(System.nanoTime() - asleep - TRICKLE_INTERVAL.toNanos(), LATE_WAKES, LONGEST_WAKE);
                } else if (short_ && i > 0) {
                    Thread.sleep(TTFB_TRICKLE_INTERVAL);
                }
                long writing = System.nanoTime();
                out.write(CHUNK);
                out.flush();
                if (trickle) {
                    CHUNKS.increment();
                    account(System.nanoTime() - writing, LATE_WRITES, LONGEST_WRITE);
                }
            }
            out.write(LAST);
            out.flush();
        } finally {
            if (trickle) {
                OPEN.decrement();
            }
        }
    }

    private static void account(long nanos, LongAdder late, AtomicLong longest) {
        if (nanos > LATE_NANOS) {
            late.increment();
        }
        longest.accumulateAndGet(nanos, Math::max);
    }

    private static void report() {
        long lastChunks = 0;
        while (true) {
            try {
                Thread.sleep(REPORT_EVERY);
            } catch (InterruptedException e) {
                return;
            }
            long chunks = CHUNKS.sum();
            if (chunks == lastChunks && OPEN.sum() == 0) {
                continue;
            }
            lastChunks = chunks;
            System.err.printf("%tT upstream: %d trickling streams open, %d chunks written; writes over 2 s: %d (longest %d ms),"
                            + " wakes over 2 s late: %d (latest %d ms)%n", System.currentTimeMillis(), OPEN.sum(), chunks,
                    LATE_WRITES.sum(), LONGEST_WRITE.getAndSet(0) / 1_000_000, LATE_WAKES.sum(), LONGEST_WAKE.getAndSet(0) / 1_000_000);
        }
    }
}
