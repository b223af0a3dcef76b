package dev.gatehouse.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * SQL files shipped on the classpath (copied from {@code supabase/} and the compatibility layer at
 * build time), listed in name order whether the classpath is a folder or the fat jar.
 */
public final class SqlFiles {
    /** One file: its name (no folder) and its text. */
    public record SqlFile(String name, String sql) {}

    private SqlFiles() {}

    /** Every {@code .sql} file directly in the classpath folder {@code folder}, sorted by name. */
    public static List<SqlFile> list(String folder) {
        return withFolder(folder, dir -> {
            try (Stream<Path> files = Files.list(dir)) {
                List<SqlFile> out = new ArrayList<>();
                for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList()) {
                    out.add(new SqlFile(p.getFileName().toString(), Files.readString(p)));
                }
                return out;
            }
        });
    }

    /** One classpath file, or null when absent. */
    public static SqlFile one(String resource) {
        URL url = SqlFiles.class.getResource("/" + resource);
        if (url == null) {
            return null;
        }
        try (var in = url.openStream()) {
            String name = resource.substring(resource.lastIndexOf('/') + 1);
            return new SqlFile(name, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private interface FolderReader<T> {
        T read(Path dir) throws IOException;
    }

    private static <T> T withFolder(String folder, FolderReader<T> reader) {
        URL url = SqlFiles.class.getResource("/" + folder);
        if (url == null) {
            throw new IllegalStateException("classpath folder " + folder + " is missing from the build");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                boolean opened = false;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                    opened = true;
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                try {
                    return reader.read(fs.provider().getPath(uri));
                } finally {
                    if (opened) {
                        fs.close();
                    }
                }
            }
            return reader.read(Path.of(uri));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath folder " + folder, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
