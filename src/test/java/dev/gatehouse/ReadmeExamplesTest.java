package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.ServeCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's shell examples, run as written by bash against a dev server, in order, so they cannot rot.
 * The only changes: {@code 127.0.0.1:8787} becomes the test server's free port (and {@code GATEHOUSE_PORT} says so), and {@code ./gatehouse}
 * is a stand-in that runs {@code dev.gatehouse.Main} from the test class path (the jar is built after
 * the tests). A block is skipped only when a {@code <!-- not run by ReadmeExamplesTest: why -->} line
 * precedes it, and the skipped blocks are pinned below, so nothing can quietly stop being run.
 */
class ReadmeExamplesTest {
    private static final Pattern BLOCK = Pattern.compile("(<!-- not run by ReadmeExamplesTest: [^>]+ -->\\n)?```sh\\n(.*?)\\n```", Pattern.DOTALL);

    @TempDir
    static Path dir;
    private static ServeCommand.Running dev;

    @BeforeAll
    static void startTheDevServerAsReadmeDoes() throws IOException {
        dev = ServeCommand.start(Map.of("GATEHOUSE_DATA_DIR", dir.resolve(".gatehouse").toString(), "GATEHOUSE_PORT", "0"));
        Path launcher = dir.resolve("gatehouse");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' dev.gatehouse.Main \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stop() {
        dev.close();
    }

    record Block(String code, boolean skipped) {}

    record Ran(String code, int exitCode, String output) {}

    static List<Block> blocks(Path markdown) throws IOException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(markdown));
        while (m.find()) {
            blocks.add(new Block(m.group(2), m.group(1) != null));
        }
        return blocks;
    }

    @Test
    void everyReadmeShellExampleRunsAndShowsWhatItSays() throws Exception {
        List<Block> blocks = blocks(Path.of("README.md"));
        assertThat(blocks.stream().filter(Block::skipped).map(b -> b.code().lines().findFirst().orElse(""))).containsExactly("./gatehouse", "./gatehouse test",
                "supabase start        # applies supabase/migrations and supabase/seed.sql to the local database");

        // a curl that shows neither its failure (--fail-with-body) nor its status would let a 401 pass as an example that works
        assertThat(blocks.stream().filter(b -> !b.skipped()).flatMap(b -> b.code().lines()))
                .filteredOn(line -> line.matches(".*\\bcurl\\b.*"))
                .as("every curl in README fails on an HTTP error or prints its status")
                .allMatch(line -> line.contains("--fail-with-body") || line.contains("%{http_code}"));

        List<Ran> ran = new ArrayList<>();
        for (Block b : blocks) {
            if (!b.skipped()) {
                Ran r = run(b.code());
                assertThat(r.exitCode()).as("exit code of\n%s\noutput:\n%s", r.code(), r.output()).isZero();
                ran.add(r);
            }
        }

        assertThat(ran).hasSizeGreaterThanOrEqualTo(4);
        assertThat(output(ran, "token --email student@example.com")).containsPattern("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
        assertThat(output(ran, "GATEHOUSE_API_KEY=")).contains("\"model\":\"dev-echo\"", "[dev-echo");
        assertThat(output(ran, "seq 1 11").lines().filter(l -> l.matches("\\d{3}")).toList())
                .as("ten 200s, then 429").containsExactly("200", "200", "200", "200", "200", "200", "200", "200", "200", "200", "429");
        assertThat(output(ran, "--plan pro")).contains("plan pro", "\"plan\":\"pro\"", "plan free", "0 of 10 requests used");
        assertThat(output(ran, "/v1/sales/call-analyses")).contains("\"object\":\"call_analysis\"");
        assertThat(output(ran, "/v1/mentor/ask")).contains("\"object\":\"mentor.answer\"", "\"object\":\"resume.review\"");
        assertThat(output(ran, "/v1/import/sales")).contains("\"app\":\"sales\"", "\"created\":3");
        assertThat(output(ran, "/v1/import/learning")).contains("\"object\":\"import.result\"", "\"lesson_progress\":{\"created\":1,\"unchanged\":1",
                "\"path\":\"$.enrollments[1]\",\"reason\":\"paid_course\"");
        assertThat(output(ran, "lighthouse.png")).contains("\"object\":\"embedding\"", "\"model\":\"dev-echo\"");
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(dir.resolve("lighthouse.png").toFile());
        assertThat(png).as("the images example writes a PNG").isNotNull();
        assertThat(png.getWidth()).isEqualTo(256);
    }

    @Test
    void theBannerSaysWhereItRunsWhatItServesAndWhereMailAndDataGo() {
        String banner = ServeCommand.banner(dev);

        assertThat(banner).contains("Gatehouse is running at http://127.0.0.1:" + dev.port() + "  (mode: dev)",
                "database:   embedded PostgreSQL; psql \"$(cat " + dir.resolve(".gatehouse/database-url") + ")\"",
                "models:     dev-echo; answered by dev-echo (no provider key set): gpt-4o-mini, claude-haiku",
                "mail:       dev mailbox " + dir.resolve(".gatehouse").resolve("mail"), "data:       " + dir.resolve(".gatehouse"));
    }

    @Test
    void theOtherDocumentsShellExamplesAreRunHereOrSayWhyNot() throws IOException {
        for (Path doc : List.of(Path.of("bench/README.md"), Path.of("supabase/README.md"))) {
            assertThat(blocks(doc)).as(doc.toString()).allSatisfy(b -> assertThat(b.skipped()).as(b.code()).isTrue());
        }
    }

    @Test
    void documentsPointOnlyToFilesTheRepositoryHas() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#:]+)\\)|`([\\w./-]+\\.(?:md|sql|json|sh|java|toml|txt))`");
        for (Path doc : List.of(Path.of("README.md"), Path.of("bench/README.md"), Path.of("supabase/README.md"))) {
            Matcher m = link.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                Path parent = doc.toAbsolutePath().getParent();
                assertThat(Files.exists(parent.resolve(target)) || Files.exists(Path.of(target)) || !target.contains("/") && somewhere(target))
                        .as("%s points to %s", doc, target).isTrue();
            }
        }
    }

    /** A bare file name, as prose uses it ("the project's `config.toml`"), names a file somewhere in the repository. */
    private static boolean somewhere(String fileName) throws IOException {
        try (var files = Files.walk(Path.of("."))) {
            return files.filter(p -> !p.startsWith("./target") && !p.startsWith("./.git"))
                    .anyMatch(p -> p.getFileName().toString().equals(fileName));
        }
    }

    private static String output(List<Ran> ran, String marker) {
        return ran.stream().filter(r -> r.code().contains(marker)).findFirst().orElseThrow(() -> new AssertionError("no example with " + marker)).output();
    }

    private Ran run(String code) throws Exception {
        String script = code.replace("127.0.0.1:8787", "127.0.0.1:" + dev.port());
        ProcessBuilder pb = new ProcessBuilder("bash", "-eo", "pipefail", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", dir + ":/usr/bin:/bin");
        pb.environment().put("HOME", dir.toString());
        // Commands that reach the running service by default (stripe trigger) find it where a reader's would be.
        pb.environment().put("GATEHOUSE_PORT", String.valueOf(dev.port()));
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished: %s", code).isTrue();
        return new Ran(code, p.exitValue(), out);
    }
}
