package dev.gatehouse.db;

/** The database could not be reached or refused the login; the message names the host and what was tried. */
public final class DatabaseUnreachable extends RuntimeException {
    public DatabaseUnreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
