package dev.gatehouse.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.gatehouse.config.Settings;
import dev.gatehouse.refusal.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a Supabase access token: a signed-in user's {@code session.access_token}, signed ES256 or RS256
 * with a key from the project's JWKS, or HS256 with the legacy JWT secret.
 *
 * <p>The key decides the algorithm, never the token: the header's {@code kid} picks a key and the key's own
 * verifier refuses any other {@code alg}, so {@code alg: none}, HS256 "signed" with a public key, or RS256
 * against an EC key all fail. HS256 is only ever checked against the configured secret.
 *
 * <p>Built once at start; {@link #verify} does no I/O while the token's key is known, a token it has verified
 * before costs a map lookup instead of a signature check, and its refusals are always a 401
 * {@link Refusal}, never another exception.
 */
public final class AccessTokenVerifier {
    private static final Logger log = LoggerFactory.getLogger(AccessTokenVerifier.class);

    public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(30);
    /** Supabase serves its JWKS with {@code Cache-Control: public, max-age=600}. */
    public static final Duration DEFAULT_KEYS_MAX_AGE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MIN_REFETCH_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);
    /** About 15 MB of tokens at most; an instance rarely sees more distinct live sessions. */
    public static final int DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 10_000;
    public static final String JWKS_PATH = "/auth/v1/.well-known/jwks.json";

    static final String INVALID = "invalid_token";
    static final String EXPIRED = "token_expired";
    static final String KEYS_UNAVAILABLE = "signing_keys_unavailable";
    /** The message of the fail-closed net; tests assert that real refusals never need it. */
    static final String UNFORESEEN = "The access token could not be verified.";

    private final JwksKeys jwks;
    private final JWTVerifier hs256;
    private final VerifiedTokenCache verified;
    private final Clock clock;
    private final Duration leeway;

    private AccessTokenVerifier(Builder b) {
        ClaimRules rules = new ClaimRules(b.issuer, b.leeway, b.clock);
        this.jwks = b.jwksUrl == null ? null
                : new JwksKeys(b.jwksUrl, b.keysMaxAge, b.minRefetchInterval, b.fetchTimeout, b.clock, rules::verifierFor);
        this.hs256 = b.hs256Secret == null ? null : rules.verifierFor(Algorithm.HMAC256(b.hs256Secret));
        this.verified = new VerifiedTokenCache(b.verifiedTokenCacheSize);
        this.clock = b.clock;
        this.leeway = b.leeway;
    }

    /** The project's JWKS under {@code SUPABASE_URL}, the legacy secret and the issuer, as configured. */
    public static AccessTokenVerifier fromSettings(Settings settings) {
        return builder()
                .supabaseUrl(settings.supabaseUrl())
                .hs256Secret(settings.jwtSecret())
                .issuer(settings.jwtIssuer())
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fetches the JWKS now, so that the first requests find their keys in memory. A failure is logged and
     * retried on demand later; it does not stop the service.
     *
     * @return true when keys were fetched, or when no JWKS is configured
     */
    public boolean loadSigningKeys() {
        return jwks == null || jwks.load();
    }

    /**
     * @param token the bearer credential, without the {@code Bearer} scheme
     * @throws Refusal 401 saying why, for every token that is not a valid user access token
     */
    public VerifiedToken verify(String token) {
        try {
            return check(token);
        } catch (Refusal e) {
            throw e;
        } catch (RuntimeException e) {
            // Fail closed on anything unforeseen; a 500 here would also tell a prober which input hurt.
            log.warn("Refused an access token that broke verification", e);
            throw invalid(UNFORESEEN);
        }
    }

    private VerifiedToken check(String token) {
        if (token == null || token.isBlank()) {
            throw invalid("No access token was sent. " + ProjectKeys.SEND_SESSION_TOKEN + ".");
        }
        ProjectKeys.refuseNonJwtKey(token);
        VerifiedTokenCache.Entry seen = verified.get(token);
        // The same text, still unexpired, and the verifier that accepted it is still the one its header selects.
        if (seen != null && unexpired(seen.token().expiresAt()) && verifierFor(seen.alg(), seen.kid()) == seen.verifier()) {
            return seen.token();
        }
        DecodedJWT jwt;
        try {
            jwt = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw invalid("The bearer token is not a well-formed JWT. " + ProjectKeys.SEND_SESSION_TOKEN + ", or a gh_ API key.");
        }
        // Read before the signature is checked, to refuse with a useful message; nothing is accepted on it.
        refuseNonUserRole(jwt.getClaim("role").asString());
        JWTVerifier verifier = verifierFor(jwt.getAlgorithm(), jwt.getKeyId());
        try {
            verifier.verify(jwt);
        } catch (TokenExpiredException e) {
            throw Refusal.unauthorized(EXPIRED, "The access token expired at " + e.getExpiredOn()
                    + ". Refresh the session (supabase-js does this in supabase.auth.getSession()) and retry with the new access token.");
        } catch (AlgorithmMismatchException e) {
            throw invalid("The access token's algorithm (" + jwt.getAlgorithm() + ") is not the one its signing key uses.");
        } catch (SignatureVerificationException e) {
            throw invalid("The access token's signature does not verify: it was not issued by this project's Supabase Auth, or it was altered.");
        } catch (MissingClaimException e) {
            throw invalid("The access token has no '" + e.getClaimName() + "' claim.");
        } catch (IncorrectClaimException e) {
            throw invalid(incorrectClaimMessage(e.getClaimName()));
        } catch (JWTVerificationException e) {
            throw invalid("The access token's claims are malformed.");
        }
        VerifiedToken result = VerifiedToken.of(jwt);
        verified.put(token, new VerifiedTokenCache.Entry(result, jwt.getAlgorithm(), jwt.getKeyId(), verifier), expiryCutoff());
        return result;
    }

    /** The rule java-jwt applies to {@code exp}, so a remembered token expires at the same second. */
    private boolean unexpired(Instant expiresAt) {
        return expiryCutoff().isBefore(expiresAt);
    }

    private Instant expiryCutoff() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(leeway);
    }

    int rememberedTokens() {
        return verified.size();
    }

    private static void refuseNonUserRole(String role) {
        ProjectKeys.refuseLegacyKeyRole(role);
        if (role == null) {
            throw invalid("The token has no 'role' claim, so it is not a Supabase access token. " + ProjectKeys.SEND_SESSION_TOKEN + ".");
        }
        if (!role.equals(ClaimRules.ROLE)) {
            throw invalid("Only signed-in users' access tokens (role 'authenticated') are accepted. " + ProjectKeys.SEND_SESSION_TOKEN + ".");
        }
    }

    private JWTVerifier verifierFor(String header, String kid) {
        String alg = Objects.requireNonNullElse(header, "");
        switch (alg) {
            case "HS256" -> {
                // HMAC keys are never published, so an HS256 kid is normally unknown and no fetch is made for it.
                // A kid that does name a published key gets that key's verifier, which refuses HS256.
                JWTVerifier published = jwks == null || kid == null ? null : jwks.known(kid);
                if (published != null) {
                    return published;
                }
                if (hs256 == null) {
                    throw invalid("HS256-signed tokens are not accepted here: this gateway verifies the project's asymmetric signing keys only.");
                }
                return hs256;
            }
            case "ES256", "RS256" -> {
                if (jwks == null) {
                    throw invalid("Tokens signed with asymmetric keys (" + alg + ") are not accepted here: no Supabase project URL is configured for its JWKS.");
                }
                if (kid == null) {
                    throw invalid("The access token's header has no 'kid', so its signing key cannot be found.");
                }
                return switch (jwks.find(kid)) {
                    case JwksKeys.Lookup.Found found -> found.verifier();
                    case JwksKeys.Lookup.Unknown unknown -> throw invalid("The access token is signed with a key the project does not"
                            + " publish (unknown 'kid'). Sign in again to get a fresh access token.");
                    case JwksKeys.Lookup.Unavailable unavailable -> throw Refusal.unauthorized(KEYS_UNAVAILABLE, "The access token"
                            + " could not be verified: the project's signing keys cannot be fetched right now. Retry shortly.");
                };
            }
            default -> {
                if (alg.equalsIgnoreCase("none")) {
                    throw invalid("Unsigned tokens (alg 'none') are not accepted.");
                }
                throw invalid("The access token's algorithm is not accepted; Supabase Auth signs with ES256, RS256 or HS256.");
            }
        }
    }

    private static String incorrectClaimMessage(String claim) {
        return switch (claim) {
            case "aud" -> "The access token's audience ('aud') is not '" + ClaimRules.AUDIENCE + "'.";
            case "iss" -> "The access token was issued by another Supabase project or Auth server ('iss' does not match).";
            case "nbf" -> "The access token is not valid yet ('nbf' is in the future). Check the client's clock.";
            case "iat" -> "The access token claims to be issued in the future ('iat'). Check the client's clock.";
            case "role" -> "Only signed-in users' access tokens (role 'authenticated') are accepted.";
            default -> "The access token's '" + claim + "' claim is not acceptable.";
        };
    }

    private static Refusal invalid(String message) {
        return Refusal.unauthorized(INVALID, message);
    }

    /** Settings of an {@link AccessTokenVerifier}; the defaults suit a hosted Supabase project. */
    public static final class Builder {
        private String jwksUrl;
        private String hs256Secret;
        private String issuer;
        private Duration leeway = DEFAULT_LEEWAY;
        private Duration keysMaxAge = DEFAULT_KEYS_MAX_AGE;
        private Duration minRefetchInterval = DEFAULT_MIN_REFETCH_INTERVAL;
        private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
        private int verifiedTokenCacheSize = DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** {@code https://<ref>.supabase.co}: its JWKS is at {@value #JWKS_PATH}. Null: no asymmetric keys. */
        public Builder supabaseUrl(String supabaseUrl) {
            this.jwksUrl = supabaseUrl == null ? null : supabaseUrl.replaceAll("/+$", "") + JWKS_PATH;
            return this;
        }

        /** The legacy JWT secret ({@code SUPABASE_JWT_SECRET}). Null: every HS256 token is refused. */
        public Builder hs256Secret(String secret) {
            this.hs256Secret = secret;
            return this;
        }

        /** The expected {@code iss}, e.g. {@code https://<ref>.supabase.co/auth/v1}. Null: not checked. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        public Builder leeway(Duration leeway) {
            this.leeway = Objects.requireNonNull(leeway);
            return this;
        }

        /** How long a fetched JWKS is trusted before it is refetched in the background. */
        public Builder keysMaxAge(Duration maxAge) {
            this.keysMaxAge = Objects.requireNonNull(maxAge);
            return this;
        }

        /** The least time between two JWKS fetches, whatever asks for them. */
        public Builder minRefetchInterval(Duration interval) {
            this.minRefetchInterval = Objects.requireNonNull(interval);
            return this;
        }

        public Builder fetchTimeout(Duration timeout) {
            this.fetchTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** How many verified tokens to remember, so a session's next requests skip the signature check; 0: none. */
        public Builder verifiedTokenCacheSize(int entries) {
            this.verifiedTokenCacheSize = entries;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public AccessTokenVerifier build() {
            if (jwksUrl == null && hs256Secret == null) {
                throw new IllegalStateException("An access token verifier needs SUPABASE_URL (for the JWKS) or SUPABASE_JWT_SECRET (legacy HS256), or both");
            }
            return new AccessTokenVerifier(this);
        }
    }
}
