package dev.gatehouse.ai.stream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The {@link SseSink} over an output stream that is opened only when the first event is ready, so
 * the HTTP layer can set status 200 and {@code Content-Type: text/event-stream} in {@code open}
 * and still send a JSON error when the gateway fails before that. With Javalin:
 * <pre>{@code
 * new SseWriter(() -> {
 *     ctx.status(200).contentType("text/event-stream");
 *     ctx.header("Cache-Control", "no-cache");
 *     return ctx.res().getOutputStream();
 * })
 * }</pre>
 * Use the servlet's stream, not {@code ctx.outputStream()}: Javalin 7 wraps that one in its
 * compression stream, which holds the whole response back until the handler returns (no event
 * would reach the caller before the end, and a disconnect would go unnoticed).
 */
public final class SseWriter implements SseSink {
    private static final byte[] PREFIX = {'d', 'a', 't', 'a', ':', ' '};
    private static final byte[] END = {'\n', '\n'};

    /** Opens the caller's response: commit headers here. */
    @FunctionalInterface
    public interface Opener {
        OutputStream open() throws IOException;
    }

    private final Opener opener;
    private final Runnable ending;
    private OutputStream out;

    public SseWriter(Opener opener) {
        this(opener, () -> {});
    }

    /** @param ending run once just before the stream's last event (see {@link SseSink#ending}) */
    public SseWriter(Opener opener, Runnable ending) {
        this.opener = opener;
        this.ending = ending;
    }

    @Override
    public void ending() {
        ending.run();
    }

    @Override
    public void event(byte[] data) throws IOException {
        eventUnflushed(data);
        out.flush();
    }

    /** Into the response's buffer (Jetty's, which sends it whole when flushed or full). */
    @Override
    public void eventUnflushed(byte[] data) throws IOException {
        if (out == null) {
            out = opener.open();
        }
        out.write(PREFIX);
        out.write(data);
        out.write(END);
    }

    @Override
    public void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    /**
     * Closes the response's stream: what is buffered, {@code [DONE]} among it, leaves with the response's end
     * (HTTP/1.1's last chunk, HTTP/2's END_STREAM) in one write, where a flush and then the end that the
     * servlet container writes once the handler returns took two (3.8 % of the gateway's CPU samples in the
     * time-to-first-byte phase, bench/README.md, session 30); and the caller's response is over when its last
     * event is sent, not when the gateway's bookkeeping after it is.
     */
    @Override
    public void end() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
