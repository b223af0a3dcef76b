package dev.gatehouse.ai.stream;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;

/**
 * The upstream calls of the streams now open, so that shutdown can end them all at once (each
 * cancelled call ends its stream with one error event), and the bound every stream runs within.
 */
public final class OpenStreams {
    private final Set<Call> calls = ConcurrentHashMap.newKeySet();
    private final Duration maxDuration;
    private volatile boolean ending;

    public OpenStreams(Duration maxDuration) {
        this.maxDuration = maxDuration;
    }

    public Duration maxDuration() {
        return maxDuration;
    }

    public void add(Call call) {
        calls.add(call);
        if (ending) {
            call.cancel();
        }
    }

    public void remove(Call call) {
        calls.remove(call);
    }

    /** Whether the streams are being ended for shutdown: their error event says so. */
    public boolean ending() {
        return ending;
    }

    public void endAll() {
        ending = true;
        calls.forEach(Call::cancel);
    }
}
