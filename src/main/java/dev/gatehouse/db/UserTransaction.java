package dev.gatehouse.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Runs SQL as a signed-in end user, the way PostgREST runs a Data API request: one transaction that
 * first sets, transaction-locally, role {@code authenticated} and {@code request.jwt.claims} with the
 * user's id, so Row Level Security decides exactly as it would for the user's own supabase-js call.
 * The service uses it wherever it writes on a user's behalf and must not be able to write more.
 */
public final class UserTransaction {
    private UserTransaction() {}

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} as {@code userId} and commits, or rolls back everything if it throws. */
    public static <T> T run(DataSource db, UUID userId, Work<T> work) throws SQLException {
        try (Connection c = db.getConnection()) {
            return Transaction.call(c, () -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ?, true)")) {
                    // a UUID's text form needs no JSON escaping
                    ps.setString(1, "{\"sub\":\"" + userId + "\",\"role\":\"authenticated\",\"aud\":\"authenticated\"}");
                    ps.execute();
                }
                return work.run(c);
            });
        }
    }
}
