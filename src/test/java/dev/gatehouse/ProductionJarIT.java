package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GATEHOUSE_ENV=production java -jar target/gatehouse.jar} with nothing else configured, run as an
 * operator runs it (an empty environment, a working directory without {@code .env}): it must exit non-zero
 * at once with one message naming every missing setting, having started nothing.
 */
class ProductionJarIT {
    @TempDir
    Path workDir;

    @Test
    void theJarInProductionWithNothingConfiguredExitsNamingEveryMissingSetting() throws Exception {
        Path jar = Path.of("target/gatehouse.jar").toAbsolutePath();
        assertThat(jar).as("failsafe runs after package").exists();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
                .directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("GATEHOUSE_ENV", "production");

        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(78);
        assertThat(out).contains(ConfigCheck.HEADING)
                .contains("DATABASE_URL", "SUPABASE_URL", "SUPABASE_JWT_SECRET", "RESEND_API_KEY", "EMAIL_FROM", "GATEHOUSE_PUBLIC_URL",
                        "SUPABASE_SERVICE_ROLE_KEY", "SEND_EMAIL_HOOK_SECRET")
                .doesNotContain("\tat ", "Exception");
        assertThat(out.lines().filter(l -> l.startsWith("  - "))).hasSizeGreaterThanOrEqualTo(7);
        try (var files = Files.list(workDir)) {
            assertThat(files).as("nothing written: no data dir, no embedded database").isEmpty();
        }
    }
}
