package dev.gatehouse.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The jar's entry point on an old JDK and on this one, run as {@code java -jar} would run it. */
class JavaVersionCheckTest {

    @Test
    void onAJdkOlderThan21ItSaysWhatToInstallAndExits3() throws Exception {
        Optional<Path> old = oldJdk();
        assumeTrue(old.isPresent(), "no JDK older than 21 in /usr/lib/jvm on this machine");

        Process p = new ProcessBuilder(old.get().resolve("bin/java").toString(), "-cp", compiledClasses(),
                JavaVersionCheck.class.getName(), "--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(out).contains("Gatehouse needs Java 21 or newer", "./gatehouse").doesNotContain("Exception", "\tat ");
        assertThat(out.lines()).hasSize(2);
    }

    @Test
    void onThisJdkItHandsOverToMain() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");

        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                JavaVersionCheck.class.getName(), "--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Usage: ./gatehouse");
    }

    @Test
    void readsBothSpecificationVersionStyles() {
        assertThat(JavaVersionCheck.major("1.8")).isEqualTo(8);
        assertThat(JavaVersionCheck.major("17")).isEqualTo(17);
        assertThat(JavaVersionCheck.major("25")).isEqualTo(25);
        assertThat(JavaVersionCheck.major("garbage")).isZero();
    }

    private static String compiledClasses() throws Exception {
        return Path.of(JavaVersionCheck.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** A JDK in /usr/lib/jvm whose release file says it is older than 21. */
    private static Optional<Path> oldJdk() throws IOException {
        Path jvm = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvm)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvm)) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && Files.isRegularFile(h.resolve("release")))
                    .filter(h -> releaseMajor(h) > 0 && releaseMajor(h) < 21)
                    .findFirst();
        }
    }

    private static int releaseMajor(Path home) {
        try {
            return Files.readAllLines(home.resolve("release")).stream()
                    .filter(l -> l.startsWith("JAVA_VERSION="))
                    .map(l -> JavaVersionCheck.major(l.substring("JAVA_VERSION=".length()).replace("\"", "")))
                    .findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }
}
