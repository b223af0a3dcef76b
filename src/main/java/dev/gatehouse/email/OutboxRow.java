package dev.gatehouse.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.jobs.Claimed;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;

/** One row of {@code private.email_outbox} as the worker reads it; {@code to} is the address, or the phone for SMS. */
public record OutboxRow(long id, String channel, String to, UUID userId, String template, JsonNode data, String idempotencyKey, Instant createdAt)
        implements dev.gatehouse.jobs.QueueEvents.Kinded {
    /** The template: a bounded label for metrics. */
    @Override
    public String kind() {
        return template;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static final Claimed.Reader<OutboxRow> READER = (id, rs) -> {
        try {
            String channel = rs.getString("channel");
            return new OutboxRow(id, channel, "sms".equals(channel) ? rs.getString("to_phone") : rs.getString("to_email"), rs.getObject("user_id", UUID.class), rs.getString("template"),
                    JSON.readTree(rs.getString("data")), rs.getString("idempotency_key"), rs.getTimestamp("created_at").toInstant());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("outbox row " + id + " has unreadable data", e);
        }
    };
}
