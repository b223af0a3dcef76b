package dev.gatehouse.ai.provider;

import java.io.IOException;
import okio.BufferedSource;

/**
 * Reads an upstream Server-Sent Events body event by event, as it arrives: {@code event:} and
 * {@code data:} fields, comments ({@code : keep-alive}, OpenRouter's processing notes) skipped.
 */
final class SseEventReader {
    /** Longest line accepted from an upstream; a longer one is a broken stream, not something to buffer. */
    private static final long MAX_LINE = 4L * 1024 * 1024;

    @FunctionalInterface
    interface Handler {
        /** Returns true to stop reading (the stream's end marker). */
        boolean onEvent(String event, String data) throws UpstreamFailure;
    }

    private SseEventReader() {}

    /** Returns normally only when the handler saw the end marker; an upstream that just stops is MALFORMED. */
    static void read(BufferedSource source, Handler handler) throws IOException, UpstreamFailure {
        read(source, handler, () -> {});
    }

    /**
     * As {@link #read(BufferedSource, Handler)}, running {@code beforeWait} whenever no whole line
     * is buffered, that is before each read that may wait for the upstream: what the handler wrote
     * for the events that arrived together is flushed then, once.
     */
    static void read(BufferedSource source, Handler handler, Runnable beforeWait) throws IOException, UpstreamFailure {
        read(source, handler, beforeWait, () -> {});
    }

    /**
     * As {@link #read(BufferedSource, Handler, Runnable)}, running {@code afterWait} once the line
     * that {@code beforeWait} announced waiting for has arrived (the stream's watchdog counts a
     * silence only between the two).
     */
    static void read(BufferedSource source, Handler handler, Runnable beforeWait, Runnable afterWait) throws IOException, UpstreamFailure {
        String event = null;
        StringBuilder data = null;
        while (true) {
            boolean waited = source.getBuffer().indexOf((byte) '\n') < 0;
            if (waited) {
                beforeWait.run();
            }
            if (source.exhausted()) {
                break;
            }
            String line = nextLine(source);
            if (waited) {
                afterWait.run();
            }
            if (line.isEmpty()) {
                if (data != null && handler.onEvent(event, data.toString())) {
                    return;
                }
                event = null;
                data = null;
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(": ", colon) ? 2 : 1));
            if (field.equals("data")) {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            } else if (field.equals("event")) {
                event = value;
            }
        }
        // The last event may lack its blank line; the spec drops it, but an end marker there is still an end.
        if (data != null && handler.onEvent(event, data.toString())) {
            return;
        }
        throw UpstreamFailure.malformed("the stream ended before its end marker");
    }

    private static String nextLine(BufferedSource source) throws IOException, UpstreamFailure {
        if (source.indexOf((byte) '\n', 0, MAX_LINE) >= 0) {
            return source.readUtf8LineStrict(MAX_LINE);
        }
        if (source.getBuffer().size() >= MAX_LINE) {
            throw UpstreamFailure.malformed("an event line longer than " + MAX_LINE + " bytes");
        }
        String rest = source.readUtf8();
        return rest.endsWith("\r") ? rest.substring(0, rest.length() - 1) : rest;
    }
}
