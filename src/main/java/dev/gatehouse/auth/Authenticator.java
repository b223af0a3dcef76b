package dev.gatehouse.auth;

import dev.gatehouse.refusal.Refusal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an {@code Authorization} header into the {@link Caller}: a Supabase access token is verified here, a
 * personal API key is looked up through {@link ApiKeyLookup}. It fails closed: whatever goes wrong, the
 * request is refused (401, or 503 when the key store cannot answer), never let through.
 *
 * <p>A valid credential is not enough: its user must still be a real, permitted account in {@code auth.users}
 * ({@link UserStatus}), read through a short cache so the hot path stays a map lookup.
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

    static final String INVALID_API_KEY = "invalid_api_key";
    static final String UNAVAILABLE = "auth_unavailable";

    static final String USER_NOT_FOUND = "user_not_found";

    private final AccessTokenVerifier accessTokens;
    private final ApiKeyLookup apiKeys;
    private final UserStatusLookup users;

    public Authenticator(AccessTokenVerifier accessTokens, ApiKeyLookup apiKeys, UserStatusLookup users) {
        this.accessTokens = Objects.requireNonNull(accessTokens);
        this.apiKeys = Objects.requireNonNull(apiKeys);
        this.users = Objects.requireNonNull(users);
    }

    /** For tests of credentials alone: every user counts as active. */
    Authenticator(AccessTokenVerifier accessTokens, ApiKeyLookup apiKeys) {
        this(accessTokens, apiKeys, userId -> UserStatus.ACTIVE);
    }

    /**
     * @param authorization every {@code Authorization} header of the request, in order
     * @throws Refusal 400 when there is more than one: which of them is meant cannot be known
     */
    public Caller authenticateHeaders(List<String> authorization) {
        if (authorization.size() > 1) {
            throw BearerCredentials.ambiguous("The request has " + authorization.size() + " Authorization headers; send exactly one.");
        }
        return authenticate(authorization.isEmpty() ? null : authorization.getFirst());
    }

    /**
     * @param authorization the raw {@code Authorization} header value; null when absent
     * @throws Refusal 401 when the credential is missing or not valid; 503 when API keys cannot be checked
     */
    public Caller authenticate(String authorization) {
        Caller caller = switch (BearerCredentials.parse(authorization)) {
            case BearerCredentials.AccessToken token -> {
                VerifiedToken verified = accessTokens.verify(token.jwt());
                if (verified.anonymous()) {
                    throw anonymous();
                }
                yield Caller.ofAccessToken(verified);
            }
            case BearerCredentials.ApiKey key -> lookUp(key);
        };
        // The request's log lines (and its access log line) name who made it; the edge clears it per request.
        org.slf4j.MDC.put("user_id", caller.userId().toString());
        requireActive(caller.userId());
        return caller;
    }

    private void requireActive(UUID userId) {
        UserStatus status;
        try {
            status = users.of(userId);
        } catch (Exception e) {
            log.error("reading the caller's account failed; refusing the request", e);
            throw Refusal.unavailable(UNAVAILABLE, "Your account cannot be checked right now. Retry shortly.");
        }
        switch (status) {
            case ACTIVE -> { }
            case DELETED -> throw userNotFound();
            case BANNED -> throw Refusal.forbidden("user_banned", "This account is banned; its access token is no longer accepted.");
            case ANONYMOUS -> throw anonymous();
            case null -> throw Refusal.unavailable(UNAVAILABLE, "Your account cannot be checked right now. Retry shortly.");
        }
    }

    /** The credential is genuine but names a user who no longer exists (a deleted account's token lives until it expires). */
    public static Refusal userNotFound() {
        return Refusal.unauthorized(USER_NOT_FOUND, "The user this credential belongs to no longer exists. Sign in again.");
    }

    private static Refusal anonymous() {
        return Refusal.forbidden("anonymous_user", "Anonymous sign-ins cannot use the AI gateway: sign in with an email or a provider"
                + " (linking one to the anonymous user keeps its data), then retry with the new session's access token.");
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
