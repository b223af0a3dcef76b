package dev.gatehouse.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Makes access tokens shaped like Supabase Auth's (same claims, HS256 like the legacy JWT secret), for
 * dev and scripts. Production tokens come from Supabase Auth itself; this never runs on a request path.
 */
public final class AccessTokenMinter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final Algorithm algorithm;
    private final String issuer;

    public AccessTokenMinter(String hs256Secret, String issuer) {
        this.algorithm = Algorithm.HMAC256(hs256Secret);
        this.issuer = issuer;
    }

    public String mint(AuthUser user, Duration ttl, Instant now) {
        Instant iat = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        try {
            return JWT.create()
                    .withIssuer(issuer)
                    .withSubject(user.id().toString())
                    .withAudience("authenticated")
                    .withIssuedAt(iat)
                    .withExpiresAt(iat.plus(ttl))
                    .withClaim("email", user.email())
                    .withClaim("phone", "")
                    .withClaim("app_metadata", JSON.readValue(user.appMetadataJson(), MAP))
                    .withClaim("user_metadata", JSON.readValue(user.userMetadataJson(), MAP))
                    .withClaim("role", "authenticated")
                    .withClaim("aal", "aal1")
                    .withClaim("amr", List.of(Map.of("method", "password", "timestamp", iat.getEpochSecond())))
                    .withClaim("session_id", UUID.randomUUID().toString())
                    .withClaim("is_anonymous", false)
                    .sign(algorithm);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("user metadata of " + user.id() + " is not a JSON object", e);
        }
    }
}
