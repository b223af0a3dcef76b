package dev.gatehouse.taskcache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results of cache-enabled tasks in {@code private.task_results}, one row per (user, key). Reading never
 * fails a request: a database error is logged and answered as a miss, so the cache can only help.
 */
public final class TaskResultCache {
    private static final Logger log = LoggerFactory.getLogger(TaskResultCache.class);
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final String FIND = """
            select output, usage, created_at, expires_at > now() as fresh from private.task_results
            where user_id = ? and cache_key = ? and (expires_at > now() or ?)""";
    private static final String STORE = """
            insert into private.task_results (user_id, cache_key, task, model, output, usage, created_at, expires_at)
            values (?, ?, ?, ?, ?::jsonb, ?::jsonb, now(), now() + ?::interval)
            on conflict (user_id, cache_key) do update
              set output = excluded.output, usage = excluded.usage, created_at = excluded.created_at, expires_at = excluded.expires_at""";

    private final DataSource db;

    public TaskResultCache(DataSource db) {
        this.db = db;
    }

    /** A stored result: what the task answered, the usage it cost then, and whether it is still fresh. */
    public record Cached(JsonNode output, JsonNode usage, Instant storedAt, boolean fresh) {}

    /**
     * The key of one call: task, version, the model alias and the rendered request (which holds the
     * variables after validation and defaults, in the template's fixed order).
     */
    public static String key(String task, String version, String model, JsonNode renderedRequest) {
        try {
            String canonical = task + "\n" + version + "\n" + model + "\n"
                    + CANONICAL.writeValueAsString(CANONICAL.treeToValue(renderedRequest, Object.class));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot key a task result", e);
        }
    }

    /** A result within its TTL. */
    public Optional<Cached> fresh(UUID user, String key) {
        return find(user, key, false);
    }

    /** Any stored result, fresh or stale: the stand-in when every provider failed. */
    public Optional<Cached> any(UUID user, String key) {
        return find(user, key, true);
    }

    public void store(UUID user, String key, String task, String model, JsonNode output, JsonNode usage, Duration ttl) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(STORE)) {
            ps.setObject(1, user);
            ps.setString(2, key);
            ps.setString(3, task);
            ps.setString(4, model);
            ps.setString(5, output.toString());
            ps.setString(6, usage == null || usage.isMissingNode() ? "null" : usage.toString());
            ps.setString(7, ttl.toSeconds() + " seconds");
            ps.executeUpdate();
        } catch (SQLException e) {
            log.warn("task result not cached ({}): {}", task, e.getMessage());
        }
    }

    private Optional<Cached> find(UUID user, String key, boolean staleToo) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setObject(1, user);
            ps.setString(2, key);
            ps.setBoolean(3, staleToo);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Cached(CANONICAL.readTree(rs.getString("output")), CANONICAL.readTree(rs.getString("usage")),
                        rs.getTimestamp("created_at").toInstant(), rs.getBoolean("fresh")));
            }
        } catch (SQLException | JsonProcessingException e) {
            log.warn("task result cache unreadable, treated as a miss: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
