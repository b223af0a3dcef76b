package dev.gatehouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Personal API keys ({@code gh_...}) looked up by their SHA-256 in {@code public.api_keys}, the way
 * {@code public.create_api_key} stored them; the plaintext is never stored or logged. A revoked or
 * expired key finds nothing. {@code last_used_at} is written in the background, at most once a
 * minute per key, so a key's use costs one indexed read on the request path.
 */
public final class ApiKeyStore implements ApiKeyLookup, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
    /** {@code gh_} + base64url of 32 random bytes, as create_api_key makes them. */
    private static final Pattern SHAPE = Pattern.compile("^gh_[A-Za-z0-9_-]{43}$");
    private static final String FIND = """
            select k.id, k.user_id, k.scopes, u.email, k.last_used_at is null or k.last_used_at < now() - interval '1 minute' as stale
            from public.api_keys k join auth.users u on u.id = k.user_id
            where k.key_hash = ? and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())""";
    private static final String TOUCH = """
            update public.api_keys set last_used_at = now()
            where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')""";

    private static final long TOUCH_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private final DataSource db;
    /** When this instance last started a touch of each key: concurrent requests see the same stale row, only one may write it. */
    private final java.util.concurrent.ConcurrentHashMap<UUID, Long> touchedAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final ExecutorService touches = Executors.newVirtualThreadPerTaskExecutor();

    public ApiKeyStore(DataSource db) {
        this.db = db;
    }

    @Override
    public Optional<Caller> find(String plaintextKey) throws SQLException {
        if (plaintextKey == null || !SHAPE.matcher(plaintextKey).matches()) {
            return Optional.empty();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, sha256Hex(plaintextKey));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                UUID keyId = rs.getObject(1, UUID.class);
                Caller caller = Caller.ofApiKey(rs.getObject(2, UUID.class), rs.getString(4),
                        Set.of((String[]) rs.getArray(3).getArray()), keyId);
                if (rs.getBoolean(5) && claimTouch(keyId)) {
                    touches.submit(() -> touch(keyId));
                }
                return Optional.of(caller);
            }
        }
    }

    /** True for the one caller per key and minute that should write last_used_at (atomic per key). */
    private boolean claimTouch(UUID keyId) {
        long now = System.nanoTime();
        boolean[] claimed = {false};
        touchedAt.compute(keyId, (id, last) -> {
            if (last == null || now - last >= TOUCH_EVERY_NANOS) {
                claimed[0] = true;
                return now;
            }
            return last;
        });
        return claimed[0];
    }

    private void touch(UUID keyId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(TOUCH)) {
            ps.setObject(1, keyId);
            ps.executeUpdate();
        } catch (SQLException e) {
            log.warn("could not record the use of API key {} ({})", keyId, e.getSQLState());
        }
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        touches.close();
    }
}
