package dev.gatehouse.email;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Reads the dev file mailbox that {@link FileMailbox} writes: the latest emails first. */
public final class DevMailbox {
    /** One email in the mailbox. */
    public record Entry(String name, String to, String subject, Path html, Path text) {}

    private DevMailbox() {}

    public static List<Entry> latest(Path dir, int limit) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .limit(limit)
                    .map(DevMailbox::entry)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dev mailbox " + dir, e);
        }
    }

    private static Entry entry(Path txt) {
        String name = txt.getFileName().toString().replaceFirst("\\.txt$", "");
        String to = "";
        String subject = "";
        try {
            for (String line : Files.readAllLines(txt)) {
                if (line.isEmpty()) {
                    break;
                }
                if (line.startsWith("To: ")) {
                    to = line.substring(4);
                } else if (line.startsWith("Subject: ")) {
                    subject = line.substring(9);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Entry(name, to, subject, txt.resolveSibling(name + ".html"), txt);
    }
}
