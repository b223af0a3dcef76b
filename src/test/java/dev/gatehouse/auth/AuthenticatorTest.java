package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.config.Settings;
import dev.gatehouse.refusal.Refusal;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** From an Authorization header to a Caller, for both kinds of credential, failing closed. */
class AuthenticatorTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final String ISSUER = "http://127.0.0.1:54321/auth/v1";
    static final ApiKeyLookup NO_KEYS = key -> Optional.empty();

    final AuthUser ada = new AuthUser(UUID.randomUUID(), "ada@example.com", "{\"provider\":\"email\"}", "{}");
    final AccessTokenMinter minter = new AccessTokenMinter(AccessTokens.LEGACY_SECRET, ISSUER);
    final AccessTokenVerifier accessTokens = AccessTokenVerifier.builder()
            .hs256Secret(AccessTokens.LEGACY_SECRET)
            .issuer(ISSUER)
            .build();
    final List<String> lookedUp = new ArrayList<>();

    String sessionToken() {
        return minter.mint(ada, Duration.ofHours(1), Instant.now());
    }

    ApiKeyLookup recording(ApiKeyLookup lookup) {
        return key -> {
            lookedUp.add(key);
            return lookup.find(key);
        };
    }

    @Test
    void sessionAccessTokenBecomesACallerWithEveryScope() {
        Authenticator authenticator = new Authenticator(accessTokens, recording(NO_KEYS));

        Caller caller = authenticator.authenticate("Bearer " + sessionToken());

        assertThat(caller).isEqualTo(new Caller(ada.id(), "ada@example.com", Caller.Via.ACCESS_TOKEN, Set.of(Caller.ALL_SCOPES), null));
        assertThat(lookedUp).isEmpty();
    }

    @Test
    void apiKeyIsLookedUpAndItsCallerReturned() {
        UUID keyId = UUID.randomUUID();
        Caller owner = Caller.ofApiKey(ada.id(), ada.email(), Set.of("ai:chat"), keyId);
        Authenticator authenticator = new Authenticator(accessTokens,
                recording(key -> key.equals("gh_live_0123456789abcdef") ? Optional.of(owner) : Optional.empty()));

        Caller caller = authenticator.authenticate("Bearer gh_live_0123456789abcdef");

        assertThat(caller).isEqualTo(owner);
        assertThat(caller.via()).isEqualTo(Caller.Via.API_KEY);
        assertThat(caller.apiKeyId()).isEqualTo(keyId);
        assertThat(lookedUp).containsExactly("gh_live_0123456789abcdef");
    }

    @Test
    void unknownApiKeyIsRefused() {
        Authenticator authenticator = new Authenticator(accessTokens, NO_KEYS);

        Refusal e = Refusals.unauthorized("invalid_api_key", () -> authenticator.authenticate("Bearer gh_revoked_key"));

        assertThat(e.getMessage()).contains("unknown, revoked or expired").doesNotContain("gh_revoked_key");
    }

    @Test
    void lookupFailingOnTheDatabaseAnswers503() {
        Authenticator authenticator = new Authenticator(accessTokens, key -> {
            throw new SQLTransientConnectionException("HikariPool-1 - Connection is not available, request timed out after 30000ms");
        });

        Refusal e = Refusals.refused(503, "auth_unavailable", () -> authenticator.authenticate("Bearer gh_live_key"));

        assertThat(e.getMessage()).contains("Retry").doesNotContain("Hikari");
    }

    @Test
    void lookupFailingUnexpectedlyAnswers503() {
        Authenticator authenticator = new Authenticator(accessTokens, key -> {
            throw new IllegalStateException("bug in the lookup");
        });

        Refusals.refused(503, "auth_unavailable", () -> authenticator.authenticate("Bearer gh_live_key"));
    }

    @Test
    void lookupRefusalPassesThroughUnchanged() {
        Authenticator authenticator = new Authenticator(accessTokens, key -> {
            throw Refusal.forbidden("api_key_scope", "This key may not call the gateway.");
        });

        Refusals.refused(403, "api_key_scope", () -> authenticator.authenticate("Bearer gh_live_key"));
    }

    @Test
    void lookupAnsweringACallerThatDidNotComeFromAnApiKeyIsRefused() {
        Caller notFromAKey = new Caller(ada.id(), null, Caller.Via.ACCESS_TOKEN, Set.of(Caller.ALL_SCOPES), null);
        Authenticator authenticator = new Authenticator(accessTokens, key -> Optional.of(notFromAKey));

        Refusals.refused(503, "auth_unavailable", () -> authenticator.authenticate("Bearer gh_live_key"));
    }

    @Test
    void lookupAnsweringNullIsTakenForUnknown() {
        Authenticator authenticator = new Authenticator(accessTokens, key -> null);

        Refusals.unauthorized("invalid_api_key", () -> authenticator.authenticate("Bearer gh_live_key"));
    }

    @Test
    void invalidAccessTokenIsRefusedWithoutAskingTheLookup() {
        Authenticator authenticator = new Authenticator(accessTokens, recording(NO_KEYS));
        String forged = new AccessTokenMinter("a-different-secret-of-at-least-32-chars", ISSUER)
                .mint(ada, Duration.ofHours(1), Instant.now());

        Refusals.unauthorized("invalid_token", () -> authenticator.authenticate("Bearer " + forged));

        assertThat(lookedUp).isEmpty();
    }

    @Test
    void expiredAccessTokenIsRefused() {
        Authenticator authenticator = new Authenticator(accessTokens, NO_KEYS);
        String expired = minter.mint(ada, Duration.ofMinutes(5), Instant.now().minus(Duration.ofHours(1)));

        Refusals.unauthorized("token_expired", () -> authenticator.authenticate("Bearer " + expired));
    }

    @Test
    void missingHeaderIsRefused() {
        Authenticator authenticator = new Authenticator(accessTokens, NO_KEYS);

        Refusal e = Refusals.unauthorized("missing_authorization", () -> authenticator.authenticate(null));

        assertThat(e.getMessage()).contains("Authorization: Bearer <Supabase access token or gh_ API key>");
    }

    @Test
    void basicSchemeIsRefused() {
        Authenticator authenticator = new Authenticator(accessTokens, recording(NO_KEYS));

        Refusals.unauthorized("invalid_authorization_scheme", () -> authenticator.authenticate("Basic Z2hfbGl2ZTpzZWNyZXQ="));

        assertThat(lookedUp).isEmpty();
    }

    @Test
    void supabaseProjectKeysAreRefusedWithoutAskingTheLookup() {
        Authenticator authenticator = new Authenticator(accessTokens, recording(NO_KEYS));

        Refusals.unauthorized("supabase_key_not_accepted", () -> authenticator.authenticate("Bearer sb_publishable_abc"));
        Refusals.unauthorized("supabase_key_not_accepted", () -> authenticator.authenticate("Bearer sb_secret_abc"));

        assertThat(lookedUp).isEmpty();
    }

    @Test
    void garbageBearerIsRefusedNotAnError() {
        Authenticator authenticator = new Authenticator(accessTokens, NO_KEYS);

        Refusals.unauthorized("invalid_token", () -> authenticator.authenticate("Bearer }{not-a-token"));
        Refusals.unauthorized("invalid_token", () -> authenticator.authenticate("Bearer ey.J.\u0000"));
    }

    @Test
    void verifierBuiltFromSettingsUsesTheProjectsJwksSecretAndIssuer() {
        TestKey key = TestKey.es256("ec-current");
        new Jwks(server).publish(key);
        Settings settings = Settings.load(Map.of("SUPABASE_URL", server.baseUrl() + "/", "SUPABASE_JWT_SECRET", AccessTokens.LEGACY_SECRET));
        Authenticator authenticator = new Authenticator(AccessTokenVerifier.fromSettings(settings), NO_KEYS);
        String issuer = server.baseUrl() + "/auth/v1";
        UUID userId = UUID.randomUUID();

        Caller viaJwks = authenticator.authenticate("Bearer " + AccessTokens.user(userId, Instant.now()).with("iss", issuer).signedWith(key));
        Caller viaSecret = authenticator.authenticate("Bearer " + new AccessTokenMinter(AccessTokens.LEGACY_SECRET, issuer)
                .mint(ada, Duration.ofHours(1), Instant.now()));

        assertThat(viaJwks.userId()).isEqualTo(userId);
        assertThat(viaSecret.userId()).isEqualTo(ada.id());
        Refusals.unauthorized("invalid_token", () -> authenticator.authenticate(
                "Bearer " + AccessTokens.user(userId, Instant.now()).signedWith(key))); // the test project's issuer, not this one's
    }
}
