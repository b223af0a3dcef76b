package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How the project's JWKS is fetched, cached, rotated and survived: keys in memory, fetches rare and bounded. */
class SigningKeyRefreshTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final TestKey CURRENT = TestKey.es256("ec-current");
    static final TestKey STANDBY = TestKey.es256("ec-standby");
    static final TestKey PREVIOUS = TestKey.rs256("rsa-previous");
    static final Duration REFETCH_INTERVAL = Duration.ofSeconds(30);
    static final Duration MAX_AGE = Duration.ofMinutes(10);

    final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    final Jwks jwks = new Jwks(server);
    final UUID userId = UUID.randomUUID();

    AccessTokenVerifier verifier() {
        return AccessTokenVerifier.builder()
                .supabaseUrl(jwks.baseUrl())
                .hs256Secret(AccessTokens.LEGACY_SECRET)
                .issuer(AccessTokens.ISSUER)
                .keysMaxAge(MAX_AGE)
                .minRefetchInterval(REFETCH_INTERVAL)
                .fetchTimeout(Duration.ofSeconds(2))
                .clock(clock)
                .build();
    }

    String tokenSignedWith(TestKey key) {
        return AccessTokens.user(userId, clock.instant()).signedWith(key);
    }

    @Test
    void manyVerificationsOfAKnownKeyFetchTheJwksOnce() {
        jwks.publish(CURRENT, PREVIOUS);
        AccessTokenVerifier verifier = verifier();

        for (int i = 0; i < 50; i++) {
            verifier.verify(tokenSignedWith(i % 2 == 0 ? CURRENT : PREVIOUS));
        }

        server.verify(exactly(1), Jwks.fetch());
    }

    @Test
    void keysLoadedAtStartLeaveNoFetchForRequests() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();

        boolean loaded = verifier.loadSigningKeys();
        verifier.verify(tokenSignedWith(CURRENT));
        verifier.verify(tokenSignedWith(CURRENT));

        assertThat(loaded).isTrue();
        server.verify(exactly(1), Jwks.fetch());
    }

    @Test
    void concurrentFirstRequestsShareOneFetch() throws Exception {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        String token = tokenSignedWith(CURRENT);

        List<Future<VerifiedToken>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                results.add(threads.submit(() -> verifier.verify(token)));
            }
        }

        for (Future<VerifiedToken> result : results) {
            assertThat(result.get().userId()).isEqualTo(userId);
        }
        server.verify(exactly(1), Jwks.fetch());
    }

    @Test
    void rotatedKeyIsAcceptedAfterOneRefetch() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        // Supabase rotates: the standby key is published and starts signing.
        jwks.publish(STANDBY, CURRENT);
        clock.advance(REFETCH_INTERVAL);

        VerifiedToken verified = verifier.verify(tokenSignedWith(STANDBY));

        assertThat(verified.userId()).isEqualTo(userId);
        server.verify(exactly(2), Jwks.fetch());
        verifier.verify(tokenSignedWith(STANDBY));
        verifier.verify(tokenSignedWith(CURRENT));
        server.verify(exactly(2), Jwks.fetch());
    }

    @Test
    void unknownKidRightAfterAFetchIsRefusedWithoutAnotherFetch() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        jwks.publish(STANDBY, CURRENT);

        Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(tokenSignedWith(STANDBY)));

        assertThat(e.getMessage()).contains("key the project does not publish");
        server.verify(exactly(1), Jwks.fetch());
    }

    @Test
    void floodOfUnknownKidsCostsOneFetchPerInterval() throws Exception {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        clock.advance(REFETCH_INTERVAL);
        TestKey attacker = TestKey.es256("attacker");

        List<Future<?>> refusals = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 300; i++) {
                String token = AccessTokens.user(userId, clock.instant()).kid("invented-" + i).signedWith(attacker);
                refusals.add(threads.submit(() -> Refusals.unauthorized("invalid_token", () -> verifier.verify(token))));
            }
        }
        for (Future<?> refusal : refusals) {
            refusal.get();
        }

        server.verify(exactly(2), Jwks.fetch());
        assertThat(verifier.verify(tokenSignedWith(CURRENT)).userId()).isEqualTo(userId);
        server.verify(exactly(2), Jwks.fetch());
    }

    @Test
    void knownKeyKeepsWorkingWhileAFloodOfUnknownKidsIsRefused() {
        // With jwks-rsa's builder cache, a flood spends the rate limit and the real key then fails once its entry expires.
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        TestKey attacker = TestKey.es256("attacker");

        for (int minute = 0; minute < 30; minute++) {
            clock.advance(Duration.ofMinutes(1));
            for (int i = 0; i < 20; i++) {
                String invented = AccessTokens.user(userId, clock.instant()).kid("invented-" + minute + "-" + i).signedWith(attacker);
                Refusals.unauthorized("invalid_token", () -> verifier.verify(invented));
            }
            assertThat(verifier.verify(tokenSignedWith(CURRENT)).userId()).isEqualTo(userId);
        }

        assertThat(jwks.fetches()).as("the first fetch, then one per minute of flood").isEqualTo(1 + 30);
    }

    @Test
    void keysAreRefetchedInTheBackgroundOnceOlderThanTheirMaxAge() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        clock.advance(MAX_AGE);

        VerifiedToken verified = verifier.verify(tokenSignedWith(CURRENT));

        assertThat(verified.userId()).isEqualTo(userId);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> server.verify(exactly(2), Jwks.fetch()));
    }

    @Test
    void keyRemovedFromTheJwksIsRefusedAfterTheNextRefresh() {
        jwks.publish(CURRENT, PREVIOUS);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(PREVIOUS));
        // The project revokes its previous key.
        jwks.publish(CURRENT);
        clock.advance(MAX_AGE);
        String signedWithRevokedKey = tokenSignedWith(PREVIOUS);
        verifier.verify(signedWithRevokedKey); // still in memory; this request starts the refresh

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Refusal e = Refusals.unauthorized("invalid_token", () -> verifier.verify(signedWithRevokedKey));
            assertThat(e.getMessage()).contains("key the project does not publish");
        });
        assertThat(verifier.verify(tokenSignedWith(CURRENT)).userId()).isEqualTo(userId);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 404, 429})
    void jwksAnsweringAnErrorStatusRefusesWith401(int status) {
        jwks.failWith(status);

        assertKeysUnavailable(verifier());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"keys\":[", "<html><body>Bad gateway</body></html>", "{\"keys\":\"none\"}", "[]", "", "null"})
    void jwksAnsweringMalformedJsonRefusesWith401(String body) {
        jwks.serve(body);

        assertKeysUnavailable(verifier());
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK", "RANDOM_DATA_THEN_CLOSE"})
    void jwksConnectionFaultRefusesWith401(Fault fault) {
        jwks.fault(fault);

        assertKeysUnavailable(verifier());
    }

    @Test
    void jwksThatDoesNotAnswerInTimeRefusesWith401() {
        server.stubFor(WireMock.get(Jwks.PATH).willReturn(WireMock.okJson("{\"keys\":[" + CURRENT.jwkJson() + "]}").withFixedDelay(10_000)));
        AccessTokenVerifier verifier = verifier();
        long started = System.nanoTime();

        assertKeysUnavailable(verifier);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void unreachableJwksIsRetriedAtMostOncePerInterval() {
        jwks.fault(Fault.CONNECTION_RESET_BY_PEER);
        AccessTokenVerifier verifier = verifier();

        for (int i = 0; i < 20; i++) {
            assertKeysUnavailable(verifier);
        }
        clock.advance(REFETCH_INTERVAL);
        assertKeysUnavailable(verifier);

        server.verify(exactly(2), Jwks.fetch());
    }

    @Test
    void keysAreFetchedOnceTheJwksRecovers() {
        jwks.failWith(503);
        AccessTokenVerifier verifier = verifier();
        assertThat(verifier.loadSigningKeys()).isFalse();
        jwks.publish(CURRENT);
        clock.advance(REFETCH_INTERVAL);

        VerifiedToken verified = verifier.verify(tokenSignedWith(CURRENT));

        assertThat(verified.userId()).isEqualTo(userId);
    }

    @Test
    void knownKeysKeepWorkingWhileTheJwksIsDown() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();
        verifier.verify(tokenSignedWith(CURRENT));
        jwks.fault(Fault.CONNECTION_RESET_BY_PEER);
        clock.advance(MAX_AGE);

        verifier.verify(tokenSignedWith(CURRENT)); // starts a refresh, which fails
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> server.verify(exactly(2), Jwks.fetch()));

        assertThat(verifier.verify(tokenSignedWith(CURRENT)).userId()).isEqualTo(userId);
        clock.advance(REFETCH_INTERVAL);
        Refusals.unauthorized("signing_keys_unavailable", () -> verifier.verify(tokenSignedWith(STANDBY)));
    }

    @Test
    void emptyJwksOfALegacyProjectIsNotAnOutage() {
        jwks.serve("{\"keys\":[]}");
        AccessTokenVerifier verifier = verifier();

        assertThat(verifier.loadSigningKeys()).isTrue();
        assertThat(verifier.verify(AccessTokens.user(userId, clock.instant()).signedWithSecret(AccessTokens.LEGACY_SECRET)).userId())
                .isEqualTo(userId);
        Refusals.unauthorized("invalid_token", () -> verifier.verify(tokenSignedWith(CURRENT)));
    }

    @Test
    void hs256TokensNeverFetchTheJwks() {
        jwks.publish(CURRENT);
        AccessTokenVerifier verifier = verifier();

        for (int i = 0; i < 10; i++) {
            verifier.verify(AccessTokens.user(userId, clock.instant()).kid("legacy-" + i).signedWithSecret(AccessTokens.LEGACY_SECRET));
        }

        server.verify(exactly(0), Jwks.fetch());
    }

    private void assertKeysUnavailable(AccessTokenVerifier verifier) {
        Refusal e = Refusals.unauthorized("signing_keys_unavailable", () -> verifier.verify(tokenSignedWith(CURRENT)));
        assertThat(e.getMessage())
                .contains("signing keys cannot be fetched right now")
                .doesNotContain(jwks.baseUrl())
                .doesNotContainIgnoringCase("localhost")
                .doesNotContain("jwks.json")
                .doesNotContain("Exception");
    }
}
