package dev.gatehouse.email;

import dev.gatehouse.jobs.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Dev mode's mailbox: one {@code .html} (open it in a browser) and one {@code .txt} (with To and
 * Subject on top) per email, named by the row's creation time, template and id. The name depends
 * only on the row, so a row delivered twice after a crash overwrites its own files: one email.
 */
public final class FileMailbox implements MailSender {
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
    private final Path dir;

    public FileMailbox(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The file name (without extension) of an email in the mailbox. */
    static String baseName(Email e) {
        return STAMP.format(e.createdAt()) + "-" + e.template() + "-" + e.outboxId();
    }

    @Override
    public Outcome send(Email e) throws IOException {
        Files.createDirectories(dir);
        String base = baseName(e);
        String text = "To: " + e.to() + "\nFrom: " + e.from() + "\nSubject: " + e.subject() + "\nIdempotency-Key: " + e.idempotencyKey()
                + "\n\n" + e.text();
        write(dir.resolve(base + ".html"), e.html());
        write(dir.resolve(base + ".txt"), text);
        return new Outcome.Done("file:" + base);
    }

    private static void write(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
