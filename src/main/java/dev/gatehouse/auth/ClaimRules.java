package dev.gatehouse.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Clock;
import java.time.Duration;

/**
 * The claims every accepted access token carries, whichever key signed it: built into one {@link JWTVerifier}
 * per key, once, when the key becomes known.
 *
 * @param issuer null skips the issuer check
 * @param leeway tolerated clock skew between Supabase Auth and this service, for {@code exp}, {@code nbf}, {@code iat}
 */
record ClaimRules(String issuer, Duration leeway, Clock clock) {

    static final String AUDIENCE = "authenticated";
    static final String ROLE = "authenticated";

    ClaimRules {
        if (leeway.isNegative()) {
            throw new IllegalArgumentException("leeway must not be negative, got " + leeway);
        }
    }

    /** A verifier pinned to {@code algorithm}: a token whose header names another algorithm is refused. */
    JWTVerifier verifierFor(Algorithm algorithm) {
        var verification = (JWTVerifier.BaseVerification) JWT.require(algorithm)
                .withAudience(AUDIENCE) // a string, or an array containing it
                .withClaim("role", ROLE)
                .withClaimPresence("exp") // java-jwt checks exp only when present; a token that never expires is refused
                .withClaimPresence("sub")
                .acceptLeeway(leeway.toSeconds());
        if (issuer != null) {
            verification.withIssuer(issuer);
        }
        return verification.build(clock);
    }
}
