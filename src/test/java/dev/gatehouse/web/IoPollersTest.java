package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JDK chooses its pollers once per JVM, so each case runs in a JVM of its own ({@link Probe}): it calls
 * {@link IoPollers#preferPlatformThreads} as {@code Main.main} does, blocks a virtual thread on a socket read
 * and prints the poller threads that exist then. Platform pollers are named {@code Read-Poller} and
 * {@code Write-Poller}; JDK 22+'s virtual-thread pollers run under one platform {@code MasterPoller}.
 */
class IoPollersTest {
    @Test
    void theServicesVirtualThreadsAreWokenByPlatformPollerThreads() throws Exception {
        List<String> out = probe();

        assertThat(out).contains("mode 1", "Read-Poller").doesNotContain("MasterPoller");
    }

    @Test
    void anOperatorsOwnPollerModeWins() throws Exception {
        List<String> out = probe("-Djdk.pollerMode=2");

        assertThat(out).contains("mode 2", "MasterPoller").doesNotContain("Read-Poller");
    }

    private static List<String> probe(String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    /** Run in its own JVM by the tests above. */
    static final class Probe {
        public static void main(String[] args) throws Exception {
            System.out.println("mode " + IoPollers.preferPlatformThreads());
            InetAddress loopback = InetAddress.getLoopbackAddress();
            try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
                Thread reader = Thread.ofVirtual().start(() -> {
                    try (Socket s = new Socket(loopback, server.getLocalPort())) {
                        s.getInputStream().read(); // parks this virtual thread with the poller until the server closes
                    } catch (IOException e) {
                        // the server closing is the end of the probe
                    }
                });
                try (Socket accepted = server.accept()) {
                    // The reader is parked in read() (or about to be) once its connection is accepted; give it the moment.
                    while (reader.getState() != Thread.State.WAITING && reader.isAlive()) {
                        Thread.sleep(5);
                    }
                    Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.contains("Poller")).sorted()
                            .forEach(System.out::println);
                }
                reader.join();
            }
        }
    }
}
