package dev.gatehouse.ai.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okio.AsyncTimeout;
import org.junit.jupiter.api.Test;

/**
 * With the lead in okio's queue, a call's timeout entering and leaving it no longer wakes the
 * {@code Okio Watchdog} thread, and a timeout still fires at its deadline. The wake-ups are the
 * kernel's count of the watchdog's voluntary context switches (Linux's {@code /proc}).
 */
class OkioWatchdogLeadTest {
    @Test
    void callTimeoutsEnteringTheQueueDoNotWakeTheWatchdog() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
        OkioWatchdogLead.start();
        Path watchdog = watchdogTask();
        long before = voluntarySwitches(watchdog);
        long began = System.nanoTime();

        int calls = 300;
        for (int i = 0; i < calls; i++) {
            AsyncTimeout call = new AsyncTimeout();
            call.timeout(30, TimeUnit.SECONDS); // as an answer's attempt timeout
            call.enter();
            Thread.sleep(1); // the call in flight; the watchdog would be asleep meanwhile
            call.exit();
        }

        long woken = voluntarySwitches(watchdog) - before;
        long leadPeriods = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) / OkioWatchdogLead.PERIOD_MILLIS;
        // Without the lead each call is the queue's only timeout and wakes the watchdog: about 300 here.
        assertThat(woken).as("watchdog wake-ups over %d calls (%d lead periods)", calls, leadPeriods)
                .isLessThanOrEqualTo(2 * leadPeriods + 10);
    }

    @Test
    void aTimeoutStillFiresAtItsDeadline() throws Exception {
        OkioWatchdogLead.start();
        CountDownLatch fired = new CountDownLatch(1);
        AsyncTimeout call = new AsyncTimeout() {
            @Override
            protected void timedOut() {
                fired.countDown();
            }
        };
        call.timeout(2, TimeUnit.SECONDS); // longer than the lead's period: queued behind it
        long began = System.nanoTime();
        call.enter();

        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        assertThat(call.exit()).as("exit reports the timeout").isTrue();
        assertThat(tookMillis).isBetween(1_900L, 2_500L);
    }

    /** The watchdog's /proc task directory; it exists once any timeout was queued. */
    private static Path watchdogTask() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals("Okio Watchdog");
                } catch (IOException e) {
                    return false; // a task that ended meanwhile
                }
            }).findFirst().orElseThrow(() -> new AssertionError("no Okio Watchdog thread"));
        }
    }

    private static long voluntarySwitches(Path task) throws IOException {
        return Files.readAllLines(task.resolve("status")).stream()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip()))
                .findFirst().orElseThrow();
    }
}
