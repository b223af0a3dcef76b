package dev.gatehouse.ai;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static dev.gatehouse.ai.GatewayFixture.ask;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Upstream calls reuse kept-alive connections from one pool, whichever deployment makes them. */
class UpstreamConnectionsTest {
    @RegisterExtension
    static WireMockExtension upstream = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    @Test
    void deploymentsOnOneHostShareOneKeptAliveConnection() {
        upstream.stubFor(post(urlEqualTo(GatewayFixture.PRIMARY)).willReturn(okJson(ProviderWire.openAiCompletion("one"))));
        upstream.stubFor(post(urlEqualTo(GatewayFixture.SECONDARY)).willReturn(okJson(ProviderWire.openAiCompletion("two"))));
        OkHttpClient http = Gateway.defaultHttpClient();
        Gateway gateway = gateways.build(gateway().http(http)
                .openAi("primary", upstream.baseUrl() + "/primary/v1")
                .openAi("secondary", upstream.baseUrl() + "/secondary/v1")
                .route("gpt-4o-mini", "primary")
                .route("gpt-4o", "secondary"));

        for (int i = 0; i < 3; i++) {
            assertThat(gateway.complete(ask(gateway, "gpt-4o-mini", "Hi")).usage().deployment()).isEqualTo("primary");
            assertThat(gateway.complete(ask(gateway, "gpt-4o", "Hi")).usage().deployment()).isEqualTo("secondary");
        }

        assertThat(http.connectionPool().connectionCount()).isEqualTo(1);
        assertThat(http.connectionPool().idleConnectionCount()).isEqualTo(1);
    }
}
