package dev.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time and memory of processes, read from Linux's /proc (the benchmark runs on Linux only). */
final class ProcCpu {
    /** USER_HZ: Linux reports process times in these ticks on every architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcCpu() {}

    /** User plus system CPU of {@code pid} and its direct children (Postgres' backends), in nanoseconds. */
    static long treeCpuNanos(long pid) {
        long ticks = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] f = fields(p.resolve("stat"));
                if (f != null && (Long.parseLong(name) == pid || Long.parseLong(f[1]) == pid)) {
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * NANOS_PER_TICK;
    }

    /** The fields after the command name of /proc/PID/stat (state is [0], ppid [1], utime [11], stime [12]). */
    private static String[] fields(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null; // the process ended while listing
        }
    }

    /** A size line of /proc/self/status (VmRSS, VmHWM) in bytes. */
    static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    static long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
