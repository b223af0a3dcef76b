package dev.gatehouse.config;

import java.nio.file.Path;

/** A second process for tests: holds a data dir's lock until its stdin closes. */
public final class DataDirHolder {
    private DataDirHolder() {}

    public static void main(String[] args) throws Exception {
        try (DataDirLock ignored = DataDirLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the test closes our stdin
            }
        }
    }
}
