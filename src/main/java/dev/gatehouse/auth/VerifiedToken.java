package dev.gatehouse.auth;

import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.gatehouse.refusal.Refusal;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A Supabase access token that passed every check. Its role is always {@code authenticated}, so it is not
 * repeated here.
 *
 * @param email       null when the user has none (Supabase sends {@code ""} for phone-only users)
 * @param sessionId   Supabase Auth's session ({@code session_id}); null if the token has none
 * @param anonymous   an anonymous sign-in ({@code is_anonymous}): role {@code authenticated} but no identity
 * @param appMetadata {@code app_metadata}, which only the service side can write (provider, plan claims)
 */
public record VerifiedToken(
        UUID userId,
        String email,
        Instant expiresAt,
        String sessionId,
        boolean anonymous,
        Map<String, Object> appMetadata) {

    // Only the canonical 8-4-4-4-12 form: UUID.fromString alone also accepts shapes like "1-1-1-1-1".
    private static final Pattern CANONICAL_UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Reads the claims of a token whose signature and standard claims were verified. */
    static VerifiedToken of(DecodedJWT jwt) {
        String sub = jwt.getSubject();
        if (sub == null || !CANONICAL_UUID.matcher(sub).matches()) {
            throw refused("The access token's subject ('sub') is not a user id (a UUID).");
        }
        String email = jwt.getClaim("email").asString();
        return new VerifiedToken(
                UUID.fromString(sub),
                email == null || email.isEmpty() ? null : email,
                jwt.getExpiresAtAsInstant(),
                jwt.getClaim("session_id").asString(),
                Boolean.TRUE.equals(jwt.getClaim("is_anonymous").asBoolean()),
                appMetadata(jwt.getClaim("app_metadata")));
    }

    private static Map<String, Object> appMetadata(Claim claim) {
        if (claim.isMissing() || claim.isNull()) {
            return Map.of();
        }
        Map<String, Object> map;
        try {
            map = claim.asMap(); // null when the claim is a string, a number or an array
        } catch (JWTDecodeException e) {
            map = null;
        }
        if (map == null) {
            throw refused("The access token's 'app_metadata' is not a JSON object.");
        }
        return Collections.unmodifiableMap(map);
    }

    private static Refusal refused(String message) {
        return Refusal.unauthorized(AccessTokenVerifier.INVALID, message);
    }
}
