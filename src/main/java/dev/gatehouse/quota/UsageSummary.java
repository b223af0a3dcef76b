package dev.gatehouse.quota;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A user's plan and what they used of it this period, for {@code GET /v1/usage} and {@code GET /v1/models}. */
public record UsageSummary(
        String planId,
        Instant periodStart,
        Instant periodEnd,
        Integer requestsLimit,
        int requestsUsed,
        Long tokensLimit,
        long tokensUsed,
        int requestsPerMinute,
        int maxOutputTokens,
        List<String> allowedModels,
        List<String> allowedTasks,
        boolean allowRawChat) {

    /** Runs a prepared {@code select * from private.ai_usage_summary(?)} and reads its one row. */
    /** The summary's row, or empty when the query returned none (the user is gone). */
    static Optional<UsageSummary> read(PreparedStatement summary) throws SQLException {
        try (ResultSet rs = summary.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new UsageSummary(
                    rs.getString("plan_id"),
                    instant(rs.getTimestamp("period_start")),
                    instant(rs.getTimestamp("period_end")),
                    (Integer) rs.getObject("requests_limit"),
                    rs.getInt("requests_used"),
                    (Long) rs.getObject("tokens_limit"),
                    rs.getLong("tokens_used"),
                    rs.getInt("requests_per_minute"),
                    rs.getInt("max_output_tokens"),
                    List.of((String[]) rs.getArray("allowed_models").getArray()),
                    List.of((String[]) rs.getArray("allowed_tasks").getArray()),
                    rs.getBoolean("allow_raw_chat")));
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
