package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.cli.ServeCommand;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.db.Database;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.support.Postgrest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev-mode promise: with the service running in dev mode, enrolling a student with a
 * plain SQL insert (the service untouched) puts one email in the dev mailbox within a second, and a
 * restart does not send it again.
 */
class DevMailboxFlowTest {
    private static final String STUDENT2 = "a0000000-0000-4000-8000-000000000002";
    private static final String FREE_COURSE = "c0000000-0000-4000-8000-000000000001";

    @Test
    void aPlainSqlEnrollmentLandsOnceInTheDevMailboxWithinASecondAndNotAgainAfterARestart(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), "GATEHOUSE_PORT", "0");
        Path mailbox = dataDir.resolve("mail");
        Path email;
        FileTime written;
        try (ServeCommand.Running dev = ServeCommand.start(env)) {
            // the seed's own emails are delivered first; wait until the outbox is drained
            await().atMost(Duration.ofSeconds(20)).until(() -> pending(dataDir) == 0);

            String enrollment;
            try (Connection c = connect(dataDir)) {
                enrollment = Postgrest.scalar(c, "insert into public.enrollments (student_id, course_id) values (?::uuid, ?::uuid) returning id",
                        STUDENT2, FREE_COURSE).toString();
            }
            long outboxId = outboxId(dataDir, "enrollment_created:" + enrollment);

            email = await().atMost(Duration.ofSeconds(1)).until(() -> mailFile(mailbox, outboxId, ".html"), p -> p != null);
            assertThat(Files.readString(email)).contains("Prompt Engineering");
            assertThat(Files.readString(mailFile(mailbox, outboxId, ".txt"))).contains("To: student2@example.com");
            written = Files.getLastModifiedTime(email);

            CliRun listed = CliRun.of(env, "mail", "--limit", "50");
            assertThat(listed.exitCode()).isZero();
            assertThat(listed.out()).contains("enrollment_created-" + outboxId).contains("student2@example.com");
        }

        try (ServeCommand.Running again = ServeCommand.start(env)) {
            // prove the restarted worker runs: a new email arrives, while the enrollment's is left alone
            long probe;
            try (Connection c = connect(dataDir)) {
                probe = ((Number) Postgrest.scalar(c, "select private.enqueue_email(?::uuid, 'welcome', '{}'::jsonb, 'probe:restart', false)", STUDENT2)).longValue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> mailFile(mailbox, probe, ".html") != null);
            assertThat(Files.getLastModifiedTime(email)).as("not written again").isEqualTo(written);
            try (Stream<Path> files = Files.list(mailbox)) {
                assertThat(files.filter(p -> p.getFileName().toString().contains("-enrollment_created-")
                        && p.getFileName().toString().endsWith(".html")).count()).as("the seed's enrollment and ours, once each").isEqualTo(2);
            }
        }
    }

    private static Connection connect(Path dataDir) throws Exception {
        return Database.connect(DatabaseUrl.parse(Files.readString(dataDir.resolve(DevEnvironment.DATABASE_URL_FILE)).strip()));
    }

    private static long pending(Path dataDir) throws Exception {
        try (Connection c = connect(dataDir)) {
            return ((Number) Postgrest.scalar(c, "select count(*) from private.email_outbox where status <> 'sent'")).longValue();
        }
    }

    private static long outboxId(Path dataDir, String key) throws Exception {
        try (Connection c = connect(dataDir)) {
            return ((Number) Postgrest.scalar(c, "select id from private.email_outbox where idempotency_key = ?", key)).longValue();
        }
    }

    private static Path mailFile(Path mailbox, long outboxId, String ext) throws Exception {
        if (!Files.isDirectory(mailbox)) {
            return null;
        }
        try (Stream<Path> files = Files.list(mailbox)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().endsWith("-" + outboxId + ext)).toList();
            assertThat(found).hasSizeLessThanOrEqualTo(1);
            return found.isEmpty() ? null : found.getFirst();
        }
    }
}
