package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Remembering verified tokens saves the signature check, and never accepts what a full check would refuse. */
class VerifiedTokenCacheTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final TestKey CURRENT = TestKey.es256("ec-current");
    static final Duration MAX_AGE = Duration.ofMinutes(10);

    final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    final Jwks jwks = new Jwks(server);
    final UUID userId = UUID.randomUUID();

    AccessTokenVerifier verifier(int cacheSize) {
        return AccessTokenVerifier.builder()
                .supabaseUrl(jwks.baseUrl())
                .hs256Secret(AccessTokens.LEGACY_SECRET)
                .issuer(AccessTokens.ISSUER)
                .keysMaxAge(MAX_AGE)
                .verifiedTokenCacheSize(cacheSize)
                .clock(clock)
                .build();
    }

    @Test
    void repeatedTokenIsRememberedOnce() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier(100);
        String token = AccessTokens.user(userId, clock.instant()).signedWith(CURRENT);

        for (int i = 0; i < 5; i++) {
            assertThat(verifier.verify(token).userId()).isEqualTo(userId);
        }

        assertThat(verifier.rememberedTokens()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void rememberedTokenExpiresAtTheSameSecondAsAnUnrememberedOne(int cacheSize) {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier(cacheSize);
        Instant exp = clock.instant().plusSeconds(60);
        String token = AccessTokens.user(userId, clock.instant()).expiresAt(exp).signedWith(CURRENT);
        verifier.verify(token);

        clock.advance(Duration.ofSeconds(60 + 29)); // within the 30 s leeway
        VerifiedToken lastAccepted = verifier.verify(token);
        clock.advance(Duration.ofSeconds(1));

        assertThat(lastAccepted.userId()).isEqualTo(userId);
        Refusals.unauthorized("token_expired", () -> verifier.verify(token));
    }

    @Test
    void rememberedTokenIsRefusedOnceItsKidNamesNewKeyMaterial() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier(100);
        String token = AccessTokens.user(userId, clock.instant()).signedWith(CURRENT);
        verifier.verify(token);
        // The key under this kid is replaced (a botched rotation, or a compromised key swapped out).
        jwks.publish(TestKey.es256(CURRENT.kid()));
        clock.advance(MAX_AGE);
        verifier.verify(token); // still the known key; starts the refresh

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(token));
            assertThat(e.getMessage()).contains("signature does not verify");
        });
    }

    @Test
    void rememberedTokenIsRefusedOnceItsKeyLeavesTheJwks() {
        TestKey standby = TestKey.es256("ec-standby");
        jwks.publish(CURRENT, standby);
        AccessTokenVerifier verifier = verifier(100);
        String token = AccessTokens.user(userId, clock.instant()).signedWith(CURRENT);
        verifier.verify(token);
        jwks.publish(standby);
        clock.advance(MAX_AGE);
        verifier.verify(token);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                Refusals.unauthorized("invalid_token", () -> verifier.verify(token)));
    }

    @Test
    void rememberedTokensSurviveARefreshThatChangesNoKey() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier(100);
        String token = AccessTokens.user(userId, clock.instant()).signedWith(CURRENT);
        verifier.verify(token);
        clock.advance(MAX_AGE);
        verifier.verify(token);
        await().atMost(Duration.ofSeconds(5)).until(() -> jwks.fetches() == 2);

        assertThat(verifier.verify(token).userId()).isEqualTo(userId);
        assertThat(verifier.rememberedTokens()).isEqualTo(1);
    }

    @Test
    void rememberedTokensStayWithinTheConfiguredNumber() {
        AccessTokenVerifier verifier = verifier(50);

        for (int i = 0; i < 500; i++) {
            UUID user = UUID.randomUUID();
            String token = AccessTokens.user(user, clock.instant()).signedWithSecret(AccessTokens.LEGACY_SECRET);
            assertThat(verifier.verify(token).userId()).isEqualTo(user);
        }

        assertThat(verifier.rememberedTokens()).isBetween(1, 50);
    }

    @Test
    void expiredTokensMakeRoomFirst() {
        AccessTokenVerifier verifier = verifier(10);
        for (int i = 0; i < 10; i++) {
            verifier.verify(AccessTokens.user(UUID.randomUUID(), clock.instant())
                    .expiresAt(clock.instant().plusSeconds(60)).signedWithSecret(AccessTokens.LEGACY_SECRET));
        }
        clock.advance(Duration.ofMinutes(5));

        verifier.verify(AccessTokens.user(userId, clock.instant()).signedWithSecret(AccessTokens.LEGACY_SECRET));

        assertThat(verifier.rememberedTokens()).isEqualTo(1);
    }

    @Test
    void cacheOfSizeZeroRemembersNothing() {
        AccessTokenVerifier verifier = verifier(0);
        String token = AccessTokens.user(userId, clock.instant()).signedWithSecret(AccessTokens.LEGACY_SECRET);

        verifier.verify(token);
        verifier.verify(token);

        assertThat(verifier.rememberedTokens()).isZero();
    }
}
