package dev.gatehouse.email;

import dev.gatehouse.config.Mode;
import dev.gatehouse.support.Postgrest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** Fixtures for outbox tests: settings for a fake Resend, rows queued as the triggers queue them, row state. */
final class Outboxes {
    static final String SEED_STUDENT = "a0000000-0000-4000-8000-000000000001";

    private Outboxes() {}

    /** Settings for tests: fast polls and backoff, no client-side rate limit unless given. */
    static EmailSettings settings(String resendBaseUrl, Path dataDir, String... overrides) {
        Map<String, String> env = new HashMap<>(Map.of(
                "RESEND_BASE_URL", resendBaseUrl, "RESEND_API_KEY", "re_test_key_123",
                "EMAIL_RATE_PER_SECOND", "0", "EMAIL_POLL_MS", "100", "EMAIL_BACKOFF_BASE_MS", "50", "EMAIL_LEASE_SECONDS", "60"));
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return EmailSettings.load(env, Mode.DEV, dataDir);
    }

    /** Clears the seed's pending rows so a test sees only its own. */
    static void clearSeedMail(DataSource db) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.createStatement().execute("delete from private.email_outbox");
        }
    }

    /** Queues one email to the seeded student, exactly as a trigger does; returns the row id. */
    static long enqueue(DataSource db, String template, String key) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("select private.enqueue_email(?::uuid, ?, ?::jsonb, ?, true)")) {
            ps.setString(1, SEED_STUDENT);
            ps.setString(2, template);
            ps.setString(3, "{\"course_title\": \"Prompt Engineering\", \"course_slug\": \"prompt-engineering-basics\"}");
            ps.setString(4, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static long enqueue(DataSource db) throws SQLException {
        return enqueue(db, "enrollment_created", "test:" + UUID.randomUUID());
    }

    record Row(String status, int attempts, String lastError, String providerMessageId, java.time.Instant nextAttemptAt) {}

    static Row row(DataSource db, long id) throws SQLException {
        try (Connection c = db.getConnection()) {
            var rows = Postgrest.rows(c, "select status, attempts, last_error, provider_message_id, next_attempt_at from private.email_outbox where id = ?", id);
            Map<String, Object> r = rows.getFirst();
            return new Row((String) r.get("status"), ((Number) r.get("attempts")).intValue(), (String) r.get("last_error"),
                    (String) r.get("provider_message_id"), ((java.sql.Timestamp) r.get("next_attempt_at")).toInstant());
        }
    }
}
