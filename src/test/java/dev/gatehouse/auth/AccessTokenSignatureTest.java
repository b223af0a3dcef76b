package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.algorithms.Algorithm;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which keys and algorithms a token may be signed with: the key decides, never the token's header. */
class AccessTokenSignatureTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    // Generated once for the class: a 2048-bit RSA pair takes a noticeable moment.
    static final TestKey EC = TestKey.es256("ec-current");
    static final TestKey RSA = TestKey.rs256("rsa-previous");

    final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    final Jwks jwks = new Jwks(server);
    final UUID userId = UUID.randomUUID();

    @BeforeEach
    void publishKeys() {
        jwks.publish(EC, RSA);
    }

    AccessTokenVerifier.Builder verifierSettings() {
        return AccessTokenVerifier.builder()
                .supabaseUrl(jwks.baseUrl())
                .hs256Secret(AccessTokens.LEGACY_SECRET)
                .issuer(AccessTokens.ISSUER)
                .clock(clock);
    }

    AccessTokenVerifier verifier() {
        return verifierSettings().build();
    }

    AccessTokens token() {
        return AccessTokens.user(userId, clock.instant());
    }

    @Test
    void es256TokenSignedWithAPublishedKeyIsAccepted() {
        VerifiedToken verified = verifier().verify(token().signedWith(EC));

        assertThat(verified.userId()).isEqualTo(userId);
    }

    @Test
    void rs256TokenSignedWithAPublishedKeyIsAccepted() {
        VerifiedToken verified = verifier().verify(token().signedWith(RSA));

        assertThat(verified.userId()).isEqualTo(userId);
    }

    @Test
    void hs256TokenSignedWithTheLegacySecretIsAccepted() {
        VerifiedToken verified = verifier().verify(token().signedWithSecret(AccessTokens.LEGACY_SECRET));

        assertThat(verified.userId()).isEqualTo(userId);
    }

    @Test
    void hs256TokenWithAKidTheJwksDoesNotPublishIsCheckedAgainstTheLegacySecretWithoutFetching() {
        // Supabase gives the legacy secret a kid too, but never publishes HMAC keys.
        String token = token().kid("legacy-hs256-kid").signedWithSecret(AccessTokens.LEGACY_SECRET);

        VerifiedToken verified = verifier().verify(token);

        assertThat(verified.userId()).isEqualTo(userId);
        server.verify(0, Jwks.fetch());
    }

    @Test
    void hs256TokenSignedWithAnotherSecretIsRefused() {
        String token = token().signedWithSecret("another-projects-secret-that-is-32-chars-or-more");

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("signature does not verify");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void unsignedTokenIsRefused(String alg) {
        String withKnownKid = token().kid(EC.kid()).unsigned(alg);
        String withoutKid = token().unsigned(alg);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(withKnownKid));
        Refusals.unauthorized("invalid_token", () -> verifier().verify(withoutKid));

        assertThat(e.getMessage()).contains("Unsigned tokens");
    }

    @Test
    void unsignedTokenIsRefusedEvenWithASignatureAppended() {
        String unsigned = token().kid(EC.kid()).unsigned("none");
        String withSignature = unsigned + token().signedWith(EC).split("\\.")[2];

        Refusals.unauthorized("invalid_token", () -> verifier().verify(withSignature));
    }

    @Test
    void hs256TokenUsingThePublicRsaKeyAsSecretIsRefused() {
        // Algorithm confusion: the attacker knows the public key and hopes it is used as an HMAC secret.
        byte[] publicKey = RSA.pair().getPublic().getEncoded();
        String token = token().sign(RSA.kid(), Algorithm.HMAC256(publicKey));
        AccessTokenVerifier verifier = verifier();
        verifier.loadSigningKeys();

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("algorithm (HS256) is not the one its signing key uses");
    }

    @Test
    void hs256TokenUsingThePublicRsaKeyAsSecretWithoutKidIsRefused() {
        byte[] publicKey = RSA.pair().getPublic().getEncoded();
        String token = token().sign(null, Algorithm.HMAC256(publicKey));

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("signature does not verify");
    }

    @Test
    void hs256TokenUsingThePublicRsaKeyAsSecretIsRefusedBeforeTheKeysAreFetched() {
        // Cold: the kid is not known yet, and an HS256 token never causes a fetch, so the legacy secret decides.
        byte[] publicKey = RSA.pair().getPublic().getEncoded();
        String token = token().sign(RSA.kid(), Algorithm.HMAC256(publicKey));

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("signature does not verify");
    }

    @Test
    void hs256TokenUsingThePublishedJwkTextAsSecretIsRefused() {
        String token = token().sign(EC.kid(), Algorithm.HMAC256(EC.jwkJson().getBytes(StandardCharsets.UTF_8)));
        AccessTokenVerifier verifier = verifier();
        verifier.loadSigningKeys();

        Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
    }

    @Test
    void rs256HeaderNamingAnEcKeyIsRefused() {
        String token = token().sign(EC.kid(), RSA.signer());

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("algorithm (RS256) is not the one its signing key uses");
    }

    @Test
    void es256HeaderNamingAnRsaKeyIsRefused() {
        String token = token().sign(RSA.kid(), EC.signer());

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("algorithm (ES256) is not the one its signing key uses");
    }

    @Test
    void hs256TokenIsRefusedWhenNoLegacySecretIsConfigured() {
        AccessTokenVerifier jwksOnly = verifierSettings().hs256Secret(null).build();
        String token = token().signedWithSecret(AccessTokens.LEGACY_SECRET);

        Refusal e = Refusals.unauthorized("invalid_token", () -> jwksOnly.verify(token));

        assertThat(e.getMessage()).contains("HS256-signed tokens are not accepted");
    }

    @Test
    void asymmetricTokenIsRefusedWhenNoSupabaseUrlIsConfigured() {
        AccessTokenVerifier secretOnly = verifierSettings().supabaseUrl(null).build();
        String token = token().signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> secretOnly.verify(token));

        assertThat(e.getMessage()).contains("ES256").contains("not accepted");
    }

    @Test
    void tokenSignedByAnotherKeyUnderAPublishedKidIsRefused() {
        TestKey impostor = TestKey.es256(EC.kid());
        String token = token().signedWith(impostor);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("signature does not verify");
    }

    @Test
    void tokenWhosePayloadWasAlteredIsRefused() {
        String[] parts = token().signedWith(EC).split("\\.");
        String otherUser = token().with("sub", UUID.randomUUID().toString()).signedWith(EC).split("\\.")[1];
        String forged = parts[0] + "." + otherUser + "." + parts[2];

        Refusals.unauthorized("invalid_token", () -> verifier().verify(forged));
    }

    @Test
    void es256TokenWithoutKidIsRefused() {
        String token = token().sign(null, EC.signer());

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("no 'kid'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS384", "HS512", "RS512", "PS256", "ES384", "EdDSA", ""})
    void algorithmsSupabaseDoesNotSignWithAreRefused(String alg) {
        String token = token().kid(EC.kid()).unsigned(alg) + "c2lnbmF0dXJl";

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier().verify(token));

        assertThat(e.getMessage()).contains("algorithm is not accepted");
    }

    @Test
    void hmacKeyPublishedInTheJwksIsNeverTrusted() {
        // Supabase never publishes "oct" keys; if one appeared, using it would let anyone who reads the JWKS mint tokens.
        String secret = "an-hmac-secret-somebody-published-by-mistake";
        String oct = "{\"kty\":\"oct\",\"kid\":\"oct-key\",\"alg\":\"HS256\",\"k\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8)) + "\"}";
        jwks.serve("{\"keys\":[" + oct + "," + EC.jwkJson() + "]}");
        AccessTokenVerifier verifier = verifier();
        verifier.loadSigningKeys();

        String token = token().kid("oct-key").signedWithSecret(secret);

        Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
        assertThat(verifier.verify(token().signedWith(EC)).userId()).isEqualTo(userId);
    }

    @Test
    void publishedKeysNotMeantForEs256OrRs256SignaturesAreIgnored() {
        TestKey encryptionKey = TestKey.es256("ec-enc").withJwk("use", "enc");
        TestKey encryptOnly = TestKey.es256("ec-encrypt-ops").withJwk("key_ops", java.util.List.of("encrypt"));
        TestKey otherCurve = TestKey.es256("ec-p384").withJwk("crv", "P-384");
        TestKey declaredOtherAlg = TestKey.rs256("rsa-ps256").withJwk("alg", "PS256");
        TestKey weakRsa = TestKey.rsa("rsa-1024", 1024);
        jwks.publish(encryptionKey, encryptOnly, otherCurve, declaredOtherAlg, weakRsa, EC);
        AccessTokenVerifier verifier = verifier();

        for (TestKey unusable : new TestKey[] {encryptionKey, encryptOnly, otherCurve, declaredOtherAlg, weakRsa}) {
            String token = token().signedWith(unusable);
            Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
            assertThat(e.getMessage()).as(unusable.kid()).contains("key the project does not publish");
        }
        assertThat(verifier.verify(token().signedWith(EC)).userId()).isEqualTo(userId);
    }

    @Test
    void keyWithoutAlgOrUseIsUsedForTheAlgorithmItsTypeImplies() {
        Map<String, Object> bare = new java.util.LinkedHashMap<>(EC.jwk());
        bare.remove("alg");
        bare.remove("use");
        bare.remove("key_ops");
        TestKey unlabelled = new TestKey(EC.kid(), EC.pair(), EC.signer(), bare);
        jwks.publish(unlabelled);

        assertThat(verifier().verify(token().signedWith(EC)).userId()).isEqualTo(userId);
    }
}
