package dev.gatehouse.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds tokens with the claims Supabase Auth's {@code GenerateAccessToken} puts in them (see
 * SUPABASE-FACTS §3), then lets a test change one thing and sign with any key.
 */
final class AccessTokens {
    static final String ISSUER = "https://gatehouse-test.supabase.co/auth/v1";
    /** The Supabase CLI's well-known local secret shape: at least 32 characters. */
    static final String LEGACY_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> claims = new LinkedHashMap<>();
    private String kid;

    private AccessTokens() {}

    /** A signed-in user's access token, issued {@code now}, valid for Supabase's default hour. */
    static AccessTokens user(UUID userId, Instant now) {
        long iat = now.getEpochSecond();
        AccessTokens t = new AccessTokens();
        t.claims.put("iss", ISSUER);
        t.claims.put("sub", userId.toString());
        t.claims.put("aud", "authenticated");
        t.claims.put("exp", iat + 3600);
        t.claims.put("iat", iat);
        t.claims.put("email", "ada@example.com");
        t.claims.put("phone", "");
        t.claims.put("app_metadata", Map.of("provider", "email", "providers", List.of("email")));
        t.claims.put("user_metadata", Map.of("display_name", "ada", "email_verified", true));
        t.claims.put("role", "authenticated");
        t.claims.put("aal", "aal1");
        t.claims.put("amr", List.of(Map.of("method", "password", "timestamp", iat)));
        t.claims.put("session_id", "5c3bd5a4-3a4e-4a4f-9d0e-6b7f4f1f2a11");
        t.claims.put("is_anonymous", false);
        return t;
    }

    /** The legacy anon (or service_role) API key: a JWT with iss "supabase", a ref, a role and no sub. */
    static AccessTokens legacyProjectKey(String role, Instant now) {
        AccessTokens t = new AccessTokens();
        t.claims.put("iss", "supabase");
        t.claims.put("ref", "gatehousetestref");
        t.claims.put("role", role);
        t.claims.put("iat", now.getEpochSecond());
        t.claims.put("exp", now.plus(Duration.ofDays(3650)).getEpochSecond());
        return t;
    }

    AccessTokens with(String claim, Object value) {
        claims.put(claim, value);
        return this;
    }

    AccessTokens without(String claim) {
        claims.remove(claim);
        return this;
    }

    AccessTokens expiresAt(Instant exp) {
        return with("exp", exp.getEpochSecond());
    }

    /** The kid to put in the header instead of the signing key's own. */
    AccessTokens kid(String kid) {
        this.kid = kid;
        return this;
    }

    String signedWith(TestKey key) {
        return sign(kid != null ? kid : key.kid(), key.signer());
    }

    /** HS256 with the legacy JWT secret, as Supabase signed every token before asymmetric keys. */
    String signedWithSecret(String secret) {
        return sign(kid, Algorithm.HMAC256(secret));
    }

    String sign(String headerKid, Algorithm algorithm) {
        var builder = JWT.create().withPayload(claims);
        if (headerKid != null) {
            builder.withKeyId(headerKid);
        }
        return builder.sign(algorithm);
    }

    /** Built by hand, as an attacker would: any header, the claims, and an empty signature. */
    String unsigned(String alg) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        header.put("typ", "JWT");
        if (kid != null) {
            header.put("kid", kid);
        }
        return base64Url(header) + "." + base64Url(claims) + ".";
    }

    static String base64Url(Object json) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
