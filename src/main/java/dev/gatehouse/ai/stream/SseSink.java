package dev.gatehouse.ai.stream;

import java.io.IOException;

/**
 * Where a stream's events go: implemented by the HTTP layer over the caller's response (see
 * {@link SseWriter} for the ready one).
 *
 * <p>Contract: {@link #event} writes exactly one Server-Sent Event, {@code data: <data>\n\n}, and
 * flushes it. {@code data} is UTF-8, one line (compact JSON, or {@code [DONE]}). The gateway calls
 * it from the request's thread only, never concurrently. The first call is the moment the response
 * is committed: if {@link Gateway#stream} throws, {@code event} was never called and the HTTP layer
 * can still answer with an ordinary JSON error and status. An {@link IOException} means the caller
 * is gone: the gateway stops reading upstream, cancels the upstream call and reports
 * {@link Outcome#CUT_BY_CALLER}.
 */
@FunctionalInterface
public interface SseSink {
    void event(byte[] data) throws IOException;

    /**
     * Writes one event like {@link #event} but may leave it in the response's buffer until
     * {@link #flush}: events the upstream delivered together then reach the caller in one write.
     * The default writes and flushes it at once.
     */
    default void eventUnflushed(byte[] data) throws IOException {
        event(data);
    }

    /** Sends what {@link #eventUnflushed} left buffered. The default has nothing buffered. */
    default void flush() throws IOException {}

    /**
     * Sends what is buffered and ends the caller's response: called once, after a finished stream's
     * {@code [DONE]}, and nothing is written after it. The default flushes.
     */
    default void end() throws IOException {
        flush();
    }

    /**
     * Called once, just before the stream's last event ({@code [DONE]}, or the error event that ends
     * a broken stream) is written: what must be true when the caller sees the end (its stream slot
     * free) is done here. Never throws; the default does nothing.
     */
    default void ending() {}
}
