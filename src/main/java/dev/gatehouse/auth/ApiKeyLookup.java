package dev.gatehouse.auth;

import java.sql.SQLException;
import java.util.Optional;

/**
 * Finds the caller behind a personal API key ({@code gh_...}); implemented against the database elsewhere.
 * An {@link dev.gatehouse.refusal.Refusal} it throws reaches the client as it is; any other exception makes
 * the request fail with 503, never pass.
 */
@FunctionalInterface
public interface ApiKeyLookup {

    /**
     * @param plaintextKey the key exactly as sent; it is a secret: hash it, never log it
     * @return the key's caller ({@link Caller.Via#API_KEY}), or empty when the key is unknown, revoked or expired
     */
    Optional<Caller> find(String plaintextKey) throws SQLException;
}
