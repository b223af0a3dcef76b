package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a correctly signed token must also say to be a signed-in user's access token. */
class AccessTokenClaimsTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final TestKey EC = TestKey.es256("ec-current");

    final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    final Jwks jwks = new Jwks(server);
    final UUID userId = UUID.randomUUID();
    AccessTokenVerifier verifier;

    @BeforeEach
    void publishKeys() {
        jwks.publish(EC);
        verifier = verifierSettings().build();
    }

    AccessTokenVerifier.Builder verifierSettings() {
        return AccessTokenVerifier.builder()
                .supabaseUrl(jwks.baseUrl())
                .hs256Secret(AccessTokens.LEGACY_SECRET)
                .issuer(AccessTokens.ISSUER)
                .clock(clock);
    }

    AccessTokens token() {
        return AccessTokens.user(userId, clock.instant());
    }

    Instant now() {
        return clock.instant();
    }

    @Test
    void verifiedTokenCarriesTheUserAsSupabaseDescribesThem() {
        String token = token()
                .with("email", "grace@example.com")
                .with("session_id", "0d6c2e4c-7a1c-4a52-a6c5-0e3c0c4bdc1f")
                .with("app_metadata", Map.of("provider", "github", "providers", List.of("github")))
                .signedWith(EC);

        VerifiedToken verified = verifier.verify(token);

        assertThat(verified).isEqualTo(new VerifiedToken(userId, "grace@example.com", now().plusSeconds(3600),
                "0d6c2e4c-7a1c-4a52-a6c5-0e3c0c4bdc1f", false, Map.of("provider", "github", "providers", List.of("github"))));
    }

    @Test
    void anonymousSignInIsAcceptedAndMarkedAnonymous() {
        String token = token().with("is_anonymous", true).with("email", "").with("app_metadata", Map.of()).signedWith(EC);

        VerifiedToken verified = verifier.verify(token);

        assertThat(verified.anonymous()).isTrue();
        assertThat(verified.email()).isNull();
    }

    @Test
    void expiredTokenIsRefusedWithAHintToRefreshTheSession() {
        String token = token().expiresAt(now().minusSeconds(31)).signedWith(EC);

        Refusal e = Refusals.unauthorized("token_expired", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("expired at " + now().minusSeconds(31)).contains("Refresh the session");
    }

    @Test
    void tokenExpiredWithinTheLeewayIsAccepted() {
        String token = token().expiresAt(now().minusSeconds(20)).signedWith(EC);

        assertThat(verifier.verify(token).userId()).isEqualTo(userId);
    }

    @Test
    void leewayIsConfigurable() {
        AccessTokenVerifier strict = verifierSettings().leeway(Duration.ZERO).build();
        String token = token().expiresAt(now().minusSeconds(1)).signedWith(EC);

        Refusals.unauthorized("token_expired", () -> strict.verify(token));
    }

    @Test
    void tokenThatNeverExpiresIsRefused() {
        String token = token().without("exp").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("no 'exp' claim");
    }

    @Test
    void expThatIsNotANumberIsRefused() {
        String token = token().with("exp", "tomorrow").signedWith(EC);

        Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
    }

    @Test
    void tokenNotValidYetIsRefused() {
        String token = token().with("nbf", now().plusSeconds(300).getEpochSecond()).signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("'nbf'");
    }

    @Test
    void notBeforeWithinTheLeewayIsAccepted() {
        String token = token().with("nbf", now().plusSeconds(20).getEpochSecond()).signedWith(EC);

        assertThat(verifier.verify(token).userId()).isEqualTo(userId);
    }

    @Test
    void tokenIssuedInTheFutureIsRefused() {
        String token = token().with("iat", now().plusSeconds(300).getEpochSecond()).signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("'iat'");
    }

    @Test
    void wrongAudienceIsRefused() {
        String token = token().with("aud", "anon").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("audience ('aud') is not 'authenticated'");
    }

    @Test
    void audienceArrayContainingAuthenticatedIsAccepted() {
        String token = token().with("aud", List.of("https://gatehouse.example", "authenticated")).signedWith(EC);

        assertThat(verifier.verify(token).userId()).isEqualTo(userId);
    }

    @Test
    void audienceArrayWithoutAuthenticatedIsRefused() {
        String token = token().with("aud", List.of("https://gatehouse.example", "anon")).signedWith(EC);

        Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
    }

    @Test
    void tokenWithoutAudienceIsRefused() {
        String token = token().without("aud").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("'aud'");
    }

    @Test
    void tokenFromAnotherIssuerIsRefused() {
        String token = token().with("iss", "https://otherproject.supabase.co/auth/v1").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("issued by another Supabase project");
    }

    @Test
    void anyIssuerIsAcceptedWhenNoneIsConfigured() {
        AccessTokenVerifier anyIssuer = verifierSettings().issuer(null).build();
        String token = token().with("iss", "http://127.0.0.1:54321/auth/v1").signedWith(EC);

        assertThat(anyIssuer.verify(token).userId()).isEqualTo(userId);
    }

    @Test
    void tokenWithoutSubjectIsRefused() {
        String token = token().without("sub").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("no 'sub' claim");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "1-1-1-1-1", "", "0b6c2e4c7a1c4a52a6c50e3c0c4bdc1f", "{0d6c2e4c-7a1c-4a52-a6c5-0e3c0c4bdc1f}"})
    void subjectThatIsNotACanonicalUuidIsRefused(String sub) {
        String token = token().with("sub", sub).signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("subject ('sub') is not a user id");
    }

    @Test
    void legacyAnonKeyIsRefusedWithAnExplanationOfWhatToSend() {
        String anonKey = AccessTokens.legacyProjectKey("anon", now()).signedWithSecret(AccessTokens.LEGACY_SECRET);

        Refusal e = Refusals.unauthorized("session_token_required", () -> verifier.verify(anonKey));

        assertThat(e.getMessage()).contains("anon key").contains("session.access_token");
    }

    @Test
    void legacyAnonKeyIsExplainedEvenWhenNoLegacySecretIsConfigured() {
        AccessTokenVerifier jwksOnly = verifierSettings().hs256Secret(null).build();
        String anonKey = AccessTokens.legacyProjectKey("anon", now()).signedWithSecret(AccessTokens.LEGACY_SECRET);

        Refusal e = Refusals.unauthorized("session_token_required", () -> jwksOnly.verify(anonKey));

        assertThat(e.getMessage()).contains("session.access_token");
    }

    @Test
    void legacyServiceRoleKeyIsRefusedWithAnExplanationOfWhatToSend() {
        String serviceKey = AccessTokens.legacyProjectKey("service_role", now()).signedWithSecret(AccessTokens.LEGACY_SECRET);

        Refusal e = Refusals.unauthorized("session_token_required", () -> verifier.verify(serviceKey));

        assertThat(e.getMessage()).contains("service_role key").contains("session.access_token");
    }

    @Test
    void validlySignedTokenWithServiceRoleIsRefused() {
        String token = token().with("role", "service_role").signedWith(EC);

        Refusals.unauthorized("session_token_required", () -> verifier.verify(token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"supabase_admin", "postgres", "Authenticated", ""})
    void rolesOtherThanAuthenticatedAreRefused(String role) {
        String token = token().with("role", role).signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("role 'authenticated'");
    }

    @Test
    void tokenWithoutRoleIsRefused() {
        String token = token().without("role").signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("no 'role' claim");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sb_publishable_Xf7ohl6dV2nrpM3vA9K3ZQ_Gq1yAbCd", "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"})
    void supabaseProjectKeysAreRefusedBeforeAnyParsing(String key) {
        Refusal e = Refusals.unauthorized("supabase_key_not_accepted", () -> verifier.verify(key));

        assertThat(e.getMessage()).contains("session.access_token").contains("gh_ API key");
        server.verify(0, Jwks.fetch());
    }

    @Test
    void publishableAndSecretKeysAreToldApart() {
        Refusal publishable = Refusals.unauthorized("supabase_key_not_accepted", () -> verifier.verify("sb_publishable_abc"));
        Refusal secret = Refusals.unauthorized("supabase_key_not_accepted", () -> verifier.verify("sb_secret_abc"));

        assertThat(publishable.getMessage()).contains("publishable key");
        assertThat(secret.getMessage()).contains("secret key").contains("must stay on your server");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-jwt", "a.b.c", "eyJhbGciOiJFUzI1NiJ9", "eyJ.eyJ.sig", "....", "%%%.%%%.%%%",
            "bm90IGpzb24.bm90IGpzb24.c2ln", "eyJhbGciOiJFUzI1NiJ9.W10.c2ln"})
    void malformedTokenIsRefusedNotAnError(String garbage) {
        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(garbage));

        assertThat(e.getMessage()).isNotBlank();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void missingTokenIsRefused(String nothing) {
        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(nothing));

        assertThat(e.getMessage()).contains("No access token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin", "42"})
    void appMetadataThatIsNotAnObjectIsRefused(String value) {
        String token = token().with("app_metadata", value.equals("42") ? (Object) 42 : List.of(value)).signedWith(EC);
        String asString = token().with("app_metadata", value).signedWith(EC);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
        Refusal s = Refusals.unauthorized("invalid_token", () -> verifier.verify(asString));

        assertThat(e.getMessage()).contains("'app_metadata' is not a JSON object");
        assertThat(s.getMessage()).contains("'app_metadata' is not a JSON object");
    }

    @Test
    void tokenWithoutAlgIsRefusedAsSuch() {
        String token = AccessTokens.base64Url(Map.of("typ", "JWT", "kid", EC.kid())) + "."
                + AccessTokens.base64Url(Map.of("sub", userId.toString(), "role", "authenticated")) + ".c2ln";

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));

        assertThat(e.getMessage()).contains("algorithm is not accepted");
    }
}
