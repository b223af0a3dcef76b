package dev.gatehouse.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.SQLException;
import java.time.Instant;

/** One row of {@code private.jobs} as the worker reads it. */
public record JobRow(long id, String kind, JsonNode payload, String dedupeKey, Instant createdAt) implements QueueEvents.Kinded {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final Claimed.Reader<JobRow> READER = (id, rs) -> {
        try {
            return new JobRow(id, rs.getString("kind"), JSON.readTree(rs.getString("payload")), rs.getString("dedupe_key"),
                    rs.getTimestamp("created_at").toInstant());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("job " + id + " has an unreadable payload", e);
        }
    };

    /** A payload field as text; a missing field is a permanent failure of the job. */
    public String require(String field) {
        String v = payload.path(field).asText("");
        if (v.isBlank()) {
            throw new IllegalArgumentException("job " + id + " (" + kind + ") has no " + field);
        }
        return v;
    }
}
