package dev.gatehouse.auth;

import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling, as the rest of the gateway sees it, whichever credential they used.
 *
 * @param email    null when unknown
 * @param scopes   what the caller may do; a session access token carries {@link #ALL_SCOPES}
 * @param apiKeyId the key used, for {@link Via#API_KEY} only (usage and revocation are per key)
 */
public record Caller(UUID userId, String email, Via via, Set<String> scopes, UUID apiKeyId) {

    /** The scope a signed-in user's own session holds: everything that user may do. */
    public static final String ALL_SCOPES = "*";

    public enum Via { ACCESS_TOKEN, API_KEY }

    public Caller {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(via, "via");
        scopes = Set.copyOf(scopes);
        if ((via == Via.API_KEY) != (apiKeyId != null)) {
            throw new IllegalArgumentException("apiKeyId is required for API_KEY callers and absent otherwise, got via "
                    + via + " with apiKeyId " + apiKeyId);
        }
    }

    public static Caller ofAccessToken(VerifiedToken token) {
        return new Caller(token.userId(), token.email(), Via.ACCESS_TOKEN, Set.of(ALL_SCOPES), null);
    }

    public static Caller ofApiKey(UUID userId, String email, Set<String> scopes, UUID apiKeyId) {
        return new Caller(userId, email, Via.API_KEY, scopes, apiKeyId);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(ALL_SCOPES) || scopes.contains(scope);
    }
}
