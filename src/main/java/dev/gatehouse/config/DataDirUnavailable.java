package dev.gatehouse.config;

/** The dev data dir cannot be used: another process holds it, or it cannot be written. The message says what to do. */
public final class DataDirUnavailable extends RuntimeException {
    public enum Reason { LOCKED, NOT_WRITABLE }

    private final Reason reason;

    public DataDirUnavailable(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
