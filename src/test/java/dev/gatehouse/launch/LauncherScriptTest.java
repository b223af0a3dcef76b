package dev.gatehouse.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./gatehouse} launcher, run by bash in a copy of the repository whose {@code mvnw} is a
 * fake that logs its arguments and writes a jar, with fake JDK folders whose {@code java} prints its
 * version like a real one and otherwise says which JDK ran with which arguments.
 */
class LauncherScriptTest {
    @TempDir
    Path tmp;
    private Path repo;
    private Path jdks;
    private Path pathDir;

    @BeforeEach
    void copyOfTheRepository() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(Path.of("gatehouse"), repo.resolve("gatehouse"));
        executable(repo.resolve("gatehouse"));
        Files.createDirectories(repo.resolve("src/main/java"));
        Files.writeString(repo.resolve("src/main/java/Main.java"), "class Main {}\n");
        Files.createDirectories(repo.resolve("supabase/migrations"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        script(repo.resolve("mvnw"), """
                echo "mvnw JAVA_HOME=$JAVA_HOME $*" >> "$(dirname "$0")/mvnw-calls.log"
                if [ -n "${FAIL_BUILD:-}" ]; then echo '[ERROR] COMPILATION ERROR : Main.java:[1,1] broken'; exit 1; fi
                echo '[INFO] --- compiler:3.14.1:compile (default-compile) @ gatehouse ---'
                for i in $(seq 1 30); do echo "[INFO] Downloaded from central: https://repo.maven.apache.org/$i.jar (1 kB at 1 kB/s)"; done
                echo '[INFO] --- shade:3.6.1:shade (default) @ gatehouse ---'
                case " $* " in *" package "*) mkdir -p "$(dirname "$0")/target" && echo jar > "$(dirname "$0")/target/gatehouse.jar" ;; esac
                echo '[INFO] BUILD SUCCESS'
                """);
        jdks = Files.createDirectories(tmp.resolve("jdks"));
        pathDir = Files.createDirectories(tmp.resolve("path"));
    }

    @Test
    void javaHomeWinsWhenItIsNewEnough() throws Exception {
        Path home = jdk("22", "22.0.1", true);
        built();

        Run run = launch(Map.of("JAVA_HOME", home.toString()), "token", "--email", "e@example.com");

        assertThat(run.code()).as(run.output()).isZero();
        assertThat(run.output()).contains("java 22 ran: -jar " + repo.resolve("target/gatehouse.jar") + " token --email e@example.com");
    }

    @Test
    void anOldJavaHomeFallsBackToJavaOnPath() throws Exception {
        Path old = jdk("17", "17.0.15", true);
        Path onPath = jdk("23", "23", true);
        Files.createSymbolicLink(pathDir.resolve("java"), onPath.resolve("bin/java"));
        built();

        Run run = launch(Map.of("JAVA_HOME", old.toString()));

        assertThat(run.output()).contains("java 23 ran: -jar");
    }

    @Test
    void withoutJavaHomeTheNewestJdkInTheUsualPlacesIsChosen() throws Exception {
        jdk("17", "17.0.2", true);
        jdk("21", "21.0.5", true);
        jdk("24", "24", true);
        jdk("8", "1.8.0_392", true);
        Files.createSymbolicLink(pathDir.resolve("java"), jdk("11", "11.0.20", true).resolve("bin/java"));
        built();

        Run run = launch(Map.of("GATEHOUSE_JDK_DIRS", jdks + "/*"));

        assertThat(run.output()).contains("java 24 ran: -jar");
    }

    @Test
    void noJdk21AnywhereSaysWhatToInstallAndWhatWasFound() throws Exception {
        Path old = jdk("17", "17.0.15", true);
        built();

        Run run = launch(Map.of("GATEHOUSE_JDK_DIRS", jdks + "/*"));

        assertThat(run.code()).isEqualTo(3);
        assertThat(run.output()).contains("needs a JDK 21 or newer", old + " is Java 17", "Install one", "adoptium.net")
                .doesNotContain(" ran:");
    }

    @Test
    void buildsOnlyWhenTheJarIsMissingOrOlderThanASource() throws Exception {
        Path home = jdk("25", "25", true);
        Map<String, String> env = Map.of("JAVA_HOME", home.toString());

        Run first = launch(env);
        Run second = launch(env);
        Path jar = repo.resolve("target/gatehouse.jar");
        Path migration = Files.writeString(repo.resolve("supabase/migrations/20990101000000_new.sql"), "select 1;\n");
        Files.setLastModifiedTime(migration, FileTime.from(Files.getLastModifiedTime(jar).toInstant().plusSeconds(1)));
        Run afterNewMigration = launch(env);

        assertThat(first.output()).contains("Building target/gatehouse.jar", "compiler:3.14.1:compile (default-compile)", "25 files downloaded...",
                "Built target/gatehouse.jar", "java 25 ran: -jar").doesNotContain("Downloaded from");
        assertThat(second.output()).doesNotContain("Building").contains("java 25 ran: -jar");
        assertThat(afterNewMigration.output()).contains("Building");
        assertThat(mvnwCalls()).hasSize(2).allSatisfy(call -> assertThat(call).isEqualTo("mvnw JAVA_HOME=" + home + " -B -Dmaven.test.skip=true package"));
        assertThat(jar).exists();
    }

    @Test
    void aJdkWithoutJavacIsPassedOverWhenTheJarMustBeBuilt() throws Exception {
        jdk("24", "24", false);
        Path withCompiler = jdk("21", "21", true);

        Run run = launch(Map.of("GATEHOUSE_JDK_DIRS", jdks + "/*"));

        assertThat(mvnwCalls()).singleElement().asString().startsWith("mvnw JAVA_HOME=" + withCompiler + " ");
        assertThat(run.output()).contains("java 21 ran: -jar");
    }

    @Test
    void aFailedBuildShowsItsErrorsAndRunsNothing() throws Exception {
        Path home = jdk("25", "25", true);

        Run run = launch(Map.of("JAVA_HOME", home.toString(), "FAIL_BUILD", "1"));

        assertThat(run.code()).isNotZero();
        assertThat(run.output()).contains("[ERROR] COMPILATION ERROR", "target/build.log").doesNotContain(" ran:");
    }

    @Test
    void testRunsMavenVerifyWithTheSameJdkAndPassesArguments() throws Exception {
        Path home = jdk("25", "25", true);

        Run run = launch(Map.of("JAVA_HOME", home.toString()), "test", "-Dtest=SomeTest");

        assertThat(run.code()).as(run.output()).isZero();
        assertThat(mvnwCalls()).singleElement().isEqualTo("mvnw JAVA_HOME=" + home + " -B -ntp verify -Dtest=SomeTest");
        assertThat(run.output()).doesNotContain(" ran:");
    }

    @Test
    void jdkPrintsTheChosenHomeForOtherScripts() throws Exception {
        jdk("17", "17", true);
        Path newest = jdk("25", "25.0.1", true);

        Run run = launch(Map.of());

        assertThat(launch(Map.of(), "jdk").output().strip()).isEqualTo(newest.toString());
        assertThat(run.output()).contains("java 25 ran:");
    }

    private void built() throws IOException {
        Path jar = repo.resolve("target/gatehouse.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "jar");
        Instant old = Instant.now().minusSeconds(3600);
        try (var files = Files.walk(repo)) {
            for (Path p : files.filter(p -> !p.equals(jar)).toList()) {
                Files.setLastModifiedTime(p, FileTime.from(old));
            }
        }
    }

    /** A fake JDK folder: {@code java -version} prints like OpenJDK; anything else reports the run. */
    private Path jdk(String name, String version, boolean withJavac) throws IOException {
        Path home = Files.createDirectories(jdks.resolve("jdk-" + name));
        Path bin = Files.createDirectories(home.resolve("bin"));
        script(bin.resolve("java"), """
                if [ "$1" = "-version" ]; then echo 'openjdk version "%s" 2025-01-01' >&2; exit 0; fi
                echo "java %s ran: $*"
                """.formatted(version, name));
        if (withJavac) {
            script(bin.resolve("javac"), "exit 0\n");
        }
        return home;
    }

    private List<String> mvnwCalls() throws IOException {
        Path log = repo.resolve("mvnw-calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private record Run(int code, String output) {}

    private Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", repo.resolve("gatehouse").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", pathDir + ":/usr/bin:/bin");
        pb.environment().put("HOME", tmp.toString());
        pb.environment().putIfAbsent("GATEHOUSE_JDK_DIRS", jdks + "/*");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        executable(file);
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
