package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Verifiers are built once per published key, not once per fetch. */
class JwksKeysTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final TestKey CURRENT = TestKey.es256("ec-current");
    static final TestKey PREVIOUS = TestKey.rs256("rsa-previous");

    final Jwks jwks = new Jwks(server);
    final ClaimRules rules = new ClaimRules(AccessTokens.ISSUER, Duration.ofSeconds(30), Clock.systemUTC());
    final JwksKeys keys = new JwksKeys(jwks.baseUrl() + Jwks.PATH, Duration.ofMinutes(10), Duration.ofSeconds(30),
            Duration.ofSeconds(2), Clock.systemUTC(), rules::verifierFor);

    @Test
    void unchangedKeyKeepsItsVerifierAcrossFetches() {
        jwks.publish(CURRENT, PREVIOUS);
        keys.load();
        var before = keys.known(CURRENT.kid());

        keys.load();

        assertThat(before).isNotNull();
        assertThat(keys.known(CURRENT.kid())).isSameAs(before);
    }

    @Test
    void newMaterialUnderAKnownKidGetsANewVerifier() {
        jwks.publish(CURRENT, PREVIOUS);
        keys.load();
        var before = keys.known(CURRENT.kid());
        var previousBefore = keys.known(PREVIOUS.kid());

        jwks.publish(TestKey.es256(CURRENT.kid()), PREVIOUS);
        keys.load();

        assertThat(keys.known(CURRENT.kid())).isNotNull().isNotSameAs(before);
        assertThat(keys.known(PREVIOUS.kid())).isSameAs(previousBefore);
    }

    @Test
    void failedFetchKeepsTheKeysAlreadyKnown() {
        jwks.publish(CURRENT);
        keys.load();
        var before = keys.known(CURRENT.kid());
        jwks.failWith(500);

        boolean loaded = keys.load();

        assertThat(loaded).isFalse();
        assertThat(keys.known(CURRENT.kid())).isSameAs(before);
    }
}
