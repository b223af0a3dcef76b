package dev.gatehouse.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Dev mode's storage: {@code <data dir>/storage/<bucket>/<path>}, so the whole flow works offline. A
 * put never overwrites; a replace writes a temporary file and moves it into place atomically. Paths are checked segment by segment, so nothing lands outside the folder.
 */
public final class DirectoryStore implements ObjectStore {
    private final Path root;

    DirectoryStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public StoredObject write(String bucket, String path, String contentType, byte[] bytes, boolean overwrite) {
        ObjectStore.checkName(bucket, path);
        Path target = root.resolve(bucket).resolve(path).normalize();
        if (!target.startsWith(root)) {
            throw new IllegalArgumentException("object path escapes the storage folder: " + path);
        }
        try {
            Files.createDirectories(target.getParent());
            if (overwrite) {
                Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.write(target, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            return new StoredObject(bucket, path, bytes.length, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store " + bucket + "/" + path, e);
        }
    }

    public Path root() {
        return root;
    }
}
