package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.gatehouse.config.DataDirHolder;
import dev.gatehouse.config.EnvFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * What a person sees when a start cannot succeed: one or two plain lines naming the cause and the
 * setting to change, a distinct exit code, and no stack trace unless {@code --debug} asks for it.
 */
class StartupErrorsTest {
    private static final String SECRET = "startup-errors-secret-0123456789abcdefghij";
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aTakenPortNamesGatehousePortAndExits4() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun run = serve(Map.of("GATEHOUSE_PORT", String.valueOf(taken.getLocalPort()), "GATEHOUSE_DATA_DIR", tmp.toString()));

            assertThat(run.exitCode()).isEqualTo(4);
            assertThat(run.err()).contains("Port " + taken.getLocalPort() + " on 127.0.0.1 is already in use", "GATEHOUSE_PORT");
            assertPlain(run);
        }
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun run = assertTimeoutPreemptively(BOUND, () -> CliRun.of(
                    Map.of("GATEHOUSE_PORT", String.valueOf(taken.getLocalPort()), "GATEHOUSE_DATA_DIR", tmp.toString()), "serve", "--debug"));

            assertThat(run.exitCode()).isEqualTo(4);
            assertThat(run.err()).contains("already in use", "\tat ");
        }
    }

    @Test
    void aDataDirLockedByAnotherProcessNamesItsPidAndExits5() throws Exception {
        Path dataDir = Files.createDirectories(tmp.resolve("data"));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DataDirHolder.class.getName(), dataDir.toString()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            CliRun run = serve(Map.of("GATEHOUSE_PORT", "0", "GATEHOUSE_DATA_DIR", dataDir.toString()));

            assertThat(run.exitCode()).isEqualTo(5);
            assertThat(run.err()).contains("in use by another Gatehouse process (PID " + holder.pid() + ")", "GATEHOUSE_DATA_DIR");
            assertPlain(run);
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aReadOnlyDataDirSaysSoAndExits6() throws Exception {
        Path dataDir = Files.createDirectories(tmp.resolve("read-only"));
        boolean immutable = makeReadOnly(dataDir);
        try {
            assumeTrue(!writable(dataDir), "cannot make a folder read-only here (root without chattr)");

            CliRun run = serve(Map.of("GATEHOUSE_PORT", "0", "GATEHOUSE_DATA_DIR", dataDir.toString()));

            assertThat(run.exitCode()).isEqualTo(6);
            assertThat(run.err()).contains("The data dir " + dataDir + " cannot be written", "GATEHOUSE_DATA_DIR");
            assertPlain(run);
        } finally {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", dataDir.toString()).start().waitFor();
            }
            dataDir.toFile().setWritable(true);
        }
    }

    @Test
    void aRefusedDatabaseNamesTheHostAndExits7AtOnce() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        long started = System.nanoTime();

        CliRun run = serve(production("postgresql://gatehouse:pw@127.0.0.1:" + closed + "/app"));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.err()).contains("Cannot connect to the database at 127.0.0.1:" + closed + "/app: connection refused", "one attempt", "DATABASE_URL")
                .doesNotContain("pw");
        assertPlain(run);
    }

    @Test
    void aDatabaseThatNeverAnswersFailsWithin10Seconds() throws Exception {
        long started = System.nanoTime();

        CliRun run = serve(production("postgresql://gatehouse:pw@10.255.255.1:5432/app"));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.err()).contains("Cannot connect to the database at 10.255.255.1:5432/app");
        assertPlain(run);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GATEHOUSE_PORT=eighty", "GATEHOUSE_CONFIG=/nonexistent/gateway.json", "GATEHOUSE_LOG_LEVEL=LOUD"})
    void aConfigErrorNamesTheSettingAndExits78(String setting) {
        String[] kv = setting.split("=", 2);
        CliRun run = serve(Map.of(kv[0], kv[1], "GATEHOUSE_DATA_DIR", tmp.toString()));

        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(run.err()).contains(kv[0]).doesNotContain("\tat ", "Exception in");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void everyHelpSpellingListsTheCommands(String help) {
        CliRun run = CliRun.of(Map.of(), help);

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Commands:", "serve", "migrate", "token --email", "dev plan", "dev reset-usage", "test");
    }

    @Test
    void aCommandsOwnHelpIsStillItsOwn() {
        CliRun run = CliRun.of(Map.of(), "serve", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: ./gatehouse [serve]").doesNotContain("Commands:");
    }

    @Test
    void logLevelFromDotEnvIsApplied() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        Path dotEnv = Files.writeString(tmp.resolve(".env"), "GATEHOUSE_LOG_LEVEL=warn\n");
        try {
            CliRun run = CliRun.of(EnvFile.overlay(dotEnv, Map.of()), "help");

            assertThat(run.exitCode()).isZero();
            assertThat(root.getLevel()).isEqualTo(Level.WARN);
        } finally {
            root.setLevel(before);
        }
    }

    private static Map<String, String> production(String databaseUrl) {
        // The workers and the email hook off: these tests are about the database, and production needs their secrets.
        return Map.of("DATABASE_URL", databaseUrl, "SUPABASE_JWT_SECRET", SECRET, "GATEHOUSE_PORT", "0",
                "EMAIL_WORKER", "off", "JOBS_WORKER", "off", "SEND_EMAIL_HOOK", "off");
    }

    /** {@code serve}, bounded: a start that wrongly succeeded would otherwise serve forever. */
    private static CliRun serve(Map<String, String> env) {
        return assertTimeoutPreemptively(BOUND, () -> CliRun.of(env, "serve"));
    }

    private static void assertPlain(CliRun run) {
        assertThat(run.err().strip().lines()).hasSizeBetween(1, 2);
        assertThat(run.err()).doesNotContain("\tat ", "Exception");
    }

    private static boolean makeReadOnly(Path dir) throws Exception {
        dir.toFile().setWritable(false, false);
        if (!writable(dir)) {
            return false;
        }
        try {
            return new ProcessBuilder("chattr", "+i", dir.toString()).start().waitFor() == 0;
        } catch (IOException noChattr) {
            return false;
        }
    }

    private static boolean writable(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
