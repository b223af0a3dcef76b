package dev.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * async-profiler in CPU mode around one benchmark phase (it sees virtual threads, which JFR's
 * execution samples mostly miss). Falls back to the itimer engine where perf events are not allowed.
 */
final class Profiler {
    private Profiler() {}

    static synchronized String start() {
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        // BENCH_PROFILE_EVENT=alloc samples where the heap is allocated (every 512 KiB) instead of CPU.
        if ("alloc".equals(System.getenv("BENCH_PROFILE_EVENT"))) {
            try {
                return profiler.execute("start,event=alloc,alloc=512k");
            } catch (IOException | RuntimeException e) {
                return "profiler could not start: " + e.getMessage();
            }
        }
        for (String event : new String[] {"cpu", "itimer"}) {
            try {
                return profiler.execute("start,event=" + event + ",interval=1ms");
            } catch (IOException | RuntimeException e) {
                // try the next engine
            }
        }
        return "profiler could not start";
    }

    /** Stops and writes the collapsed stacks to {@code file}; answers a summary of the hottest frames. */
    static synchronized String stop(Path file) throws IOException {
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        profiler.stop();
        String collapsed = profiler.dumpCollapsed(Counter.SAMPLES);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, collapsed);
        return ProfileSummary.of(collapsed);
    }
}
