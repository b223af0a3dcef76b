package dev.gatehouse.jobs;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A row a worker holds. {@code attempts} counts this attempt too (it is incremented at claim time,
 * so a worker that dies mid-attempt has still used one); with {@code lockedBy} it fences the finish.
 */
public record Claimed<T>(long id, int attempts, int maxAttempts, String lockedBy, T data) {

    /** Reads a handler's data from the claimed row's {@link QueueTable#dataColumns()}. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(long id, ResultSet rs) throws SQLException;
    }
}
