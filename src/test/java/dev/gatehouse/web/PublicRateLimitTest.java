package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.EdgeSettings;
import dev.gatehouse.config.Settings;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-IP bucket on unauthenticated endpoints: refill, bounded memory, and which client address is believed. */
class PublicRateLimitTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private PublicRateLimit limit(Map<String, String> env) {
        return new PublicRateLimit(Settings.load(env).edge(), now::get);
    }

    @Test
    void aClientGetsItsBurstThenWaitsForTheRefill() {
        PublicRateLimit limit = limit(Map.of("GATEHOUSE_PUBLIC_RATE_PER_MINUTE", "6"));

        for (int i = 0; i < 6; i++) {
            assertThat(limit.take("198.51.100.7")).isZero();
        }
        assertThat(limit.take("198.51.100.7")).isEqualTo(10);
        assertThat(limit.take("198.51.100.8")).as("another address has its own bucket").isZero();

        now.addAndGet(10_000_000_000L);
        assertThat(limit.take("198.51.100.7")).isZero();
        assertThat(limit.take("198.51.100.7")).isPositive();
    }

    @Test
    void memoryStaysBoundedWhateverTheNumberOfAddresses() {
        PublicRateLimit limit = limit(Map.of());
        EdgeSettings edge = Settings.load(Map.of()).edge();

        for (int i = 0; i < 50_000; i++) {
            limit.take("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }

        assertThat(limit.tracked()).isEqualTo(edge.trackedClients());
    }

    @Test
    void forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() {
        PublicRateLimit direct = limit(Map.of());
        PublicRateLimit behindProxy = limit(Map.of("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"));

        assertThat(direct.client("127.0.0.1", headers("203.0.113.9"))).isEqualTo("127.0.0.1");
        assertThat(behindProxy.client("127.0.0.1", headers("203.0.113.9"))).isEqualTo("203.0.113.9");
        assertThat(behindProxy.client("192.0.2.1", headers("203.0.113.9"))).as("an untrusted peer is the client").isEqualTo("192.0.2.1");
    }

    @Test
    void aSpoofedLeftmostEntryIsNotBelieved() {
        PublicRateLimit behindProxy = limit(Map.of("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8"));

        // the client wrote "1.2.3.4"; the load balancer appended the address it saw, then a second proxy hop
        assertThat(behindProxy.client("10.0.0.2", headers("1.2.3.4, 203.0.113.9", "10.0.0.1"))).isEqualTo("203.0.113.9");
        assertThat(behindProxy.client("10.0.0.2", headers("1.2.3.4, not-an-ip"))).as("nothing left of a malformed hop").isEqualTo("10.0.0.2");
    }

    @Test
    void onlyTheUnauthenticatedEndpointsAreLimited() {
        assertThat(List.of("/health", "/ready", "/openapi.json", "/docs", "/docs/assets/init.js", "/certificates/ABC"))
                .allMatch(PublicRateLimit::isPublic);
        assertThat(List.of("/webhooks/stripe", "/hooks/auth/send-email", "/v1/chat/completions", "/v1/models", "/healthz", "/docsx"))
                .noneMatch(PublicRateLimit::isPublic);
    }

    @Test
    void aTrustedRangeOfEverythingIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_TRUSTED_PROXIES", "0.0.0.0/0")))
                .hasMessageContaining("GATEHOUSE_TRUSTED_PROXIES").hasMessageContaining("trusts every address");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Settings.load(Map.of("GATEHOUSE_TRUSTED_PROXIES", "lb.internal")))
                .hasMessageContaining("is not an IP address or CIDR range");
    }

    private static java.util.Enumeration<String> headers(String... values) {
        return Collections.enumeration(List.of(values));
    }
}
