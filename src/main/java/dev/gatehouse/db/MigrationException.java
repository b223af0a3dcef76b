package dev.gatehouse.db;

/** A migration could not be applied; the message names the file. Nothing of that file was kept. */
public final class MigrationException extends RuntimeException {
    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
