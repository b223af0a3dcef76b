package dev.gatehouse.auth;

import dev.gatehouse.refusal.Refusal;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an {@code Authorization} header into the {@link Caller}: a Supabase access token is verified here, a
 * personal API key is looked up through {@link ApiKeyLookup}. It fails closed: whatever goes wrong, the
 * request is refused (401, or 503 when the key store cannot answer), never let through.
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

    static final String INVALID_API_KEY = "invalid_api_key";
    static final String UNAVAILABLE = "auth_unavailable";

    private final AccessTokenVerifier accessTokens;
    private final ApiKeyLookup apiKeys;

    public Authenticator(AccessTokenVerifier accessTokens, ApiKeyLookup apiKeys) {
        this.accessTokens = Objects.requireNonNull(accessTokens);
        this.apiKeys = Objects.requireNonNull(apiKeys);
    }

    /**
     * @param authorization the raw {@code Authorization} header value; null when absent
     * @throws Refusal 401 when the credential is missing or not valid; 503 when API keys cannot be checked
     */
    public Caller authenticate(String authorization) {
        return switch (BearerCredentials.parse(authorization)) {
            case BearerCredentials.AccessToken token -> Caller.ofAccessToken(accessTokens.verify(token.jwt()));
            case BearerCredentials.ApiKey key -> lookUp(key);
        };
    }

    private Caller lookUp(BearerCredentials.ApiKey key) {
        Optional<Caller> found;
        try {
            found = apiKeys.find(key.plaintext());
        } catch (Refusal e) {
            throw e;
        } catch (Exception e) {
            log.error("API key lookup failed; refusing the request", e);
            throw Refusal.unavailable(UNAVAILABLE, "API keys cannot be checked right now. Retry shortly.");
        }
        if (found == null || found.isEmpty()) {
            throw Refusal.unauthorized(INVALID_API_KEY, "The API key is not valid: it is unknown, revoked or expired."
                    + " Create a new key, or send the signed-in user's Supabase access token.");
        }
        Caller caller = found.get();
        if (caller.via() != Caller.Via.API_KEY) {
            log.error("API key lookup answered a caller via {}, not API_KEY; refusing the request", caller.via());
            throw Refusal.unavailable(UNAVAILABLE, "API keys cannot be checked right now. Retry shortly.");
        }
        return caller;
    }
}
