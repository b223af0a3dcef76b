package dev.gatehouse.bench;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The benchmark's OpenAI-shaped upstream, in its own JVM so its CPU is not the gateway's: a
 * non-streaming {@code chat.completion}, and SSE {@code chat.completion.chunk}s either at once
 * (model {@code bench-model}: time to first byte) or trickled (model {@code bench-trickle}: one
 * chunk every {@link #TRICKLE_INTERVAL} for {@link #TRICKLE_CHUNKS} chunks, the 10,000-streams
 * phase). Jetty with keep-alive, as real providers serve; loopback only; exits after its bound.
 */
final class BenchUpstream {
    static final Duration TRICKLE_INTERVAL = Duration.ofMillis(500);
    static final int TRICKLE_CHUNKS = 24;
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

    private BenchUpstream() {}

    /** Serves on an ephemeral loopback port, writes the port to {@code portFile}, stops after {@code seconds}. */
    static void serve(Path portFile, int seconds) throws Exception {
        Javalin upstream = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.startup.showJavalinBanner = false;
            config.routes.post("/v1/chat/completions", BenchUpstream::answer);
        }).start();
        Files.writeString(portFile, Integer.toString(upstream.port()));
        Thread.sleep(Duration.ofSeconds(seconds));
        upstream.stop();
    }

    private static void answer(Context ctx) throws IOException, InterruptedException {
        String body = ctx.body();
        if (!body.contains("\"stream\":true")) {
            ctx.contentType("application/json").result(COMPLETION);
            return;
        }
        boolean trickle = body.contains("bench-trickle");
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        int chunks = trickle ? TRICKLE_CHUNKS : FAST_CHUNKS;
        for (int i = 0; i < chunks; i++) {
            if (trickle && i > 0) {
                Thread.sleep(TRICKLE_INTERVAL);
            }
            out.write(CHUNK);
            out.flush();
        }
        out.write(LAST);
        out.flush();
    }
}
