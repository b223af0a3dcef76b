package dev.gatehouse.ops;

import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read the operator views. {@code /metrics}: the ops token only (a scraper holds a static
 * secret; an hour-long session token is no use to it). {@code /status}: the ops token, or the session
 * access token of a user whose profile role is {@code admin}. Personal API keys never open either.
 * Fails closed: no token configured means no token matches.
 */
public final class OpsAccess {
    private static final Logger log = LoggerFactory.getLogger(OpsAccess.class);
    private static final String ROLE = "select role from public.profiles where id = ?";

    private final byte[] token;
    private final Authenticator auth;
    private final DataSource db;

    /** @param opsToken null when none is configured */
    public OpsAccess(String opsToken, Authenticator auth, DataSource db) {
        this.token = opsToken == null ? null : opsToken.getBytes(StandardCharsets.UTF_8);
        this.auth = auth;
        this.db = db;
    }

    /** Lets the ops token through; anything else is refused (503 when no token is configured). */
    public void requireToken(String authorization) {
        if (token == null) {
            throw Refusal.unavailable("ops_token_not_configured", "Set GATEHOUSE_OPS_TOKEN to read metrics.");
        }
        if (!isToken(authorization)) {
            throw Refusal.unauthorized("invalid_ops_token", "Send the ops token (GATEHOUSE_OPS_TOKEN) as 'Authorization: Bearer <token>'.");
        }
    }

    /** Lets the ops token or an admin's session access token through. */
    public void requireTokenOrAdmin(String authorization) {
        if (isToken(authorization)) {
            return;
        }
        if (authorization == null || authorization.isBlank()) {
            throw Refusal.unauthorized("missing_credentials", "Send the ops token or an admin's access token as 'Authorization: Bearer <token>'.");
        }
        Caller caller = auth.authenticate(authorization);
        if (caller.via() != Caller.Via.ACCESS_TOKEN || !isAdmin(caller)) {
            throw Refusal.forbidden("admin_required", "Only admins (a session access token) or the ops token may see the status page.");
        }
    }

    private boolean isToken(String authorization) {
        if (token == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    private boolean isAdmin(Caller caller) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(ROLE)) {
            ps.setObject(1, caller.userId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "admin".equals(rs.getString(1));
            }
        } catch (SQLException e) {
            log.error("reading the caller's role failed ({}); refusing the status page", e.getSQLState());
            throw Refusal.unavailable("auth_unavailable", "Your role cannot be checked right now. Retry shortly.");
        }
    }
}
