package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import java.util.Arrays;
import java.util.stream.Collectors;

/** A Supabase project's JWKS endpoint on WireMock, in the wire format Supabase Auth serves. */
final class Jwks {
    static final String PATH = AccessTokenVerifier.JWKS_PATH;

    private final WireMockExtension server;

    Jwks(WireMockExtension server) {
        this.server = server;
    }

    /** Publishes exactly these keys, replacing what was published before. */
    void publish(TestKey... keys) {
        String body = Arrays.stream(keys).map(TestKey::jwkJson).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
        serve(body);
    }

    void serve(String body) {
        answer(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withHeader("Cache-Control", "public, max-age=600")
                .withBody(body));
    }

    void failWith(int status) {
        answer(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":" + status + ",\"error_code\":\"unexpected_failure\",\"msg\":\"Unexpected failure\"}"));
    }

    void fault(Fault fault) {
        answer(aResponse().withFault(fault));
    }

    String baseUrl() {
        return server.baseUrl();
    }

    int fetches() {
        return server.countRequestsMatching(fetch().build()).getCount();
    }

    /** For {@code server.verify(count, Jwks.fetch())}. */
    static RequestPatternBuilder fetch() {
        return getRequestedFor(urlEqualTo(PATH));
    }

    private void answer(ResponseDefinitionBuilder response) {
        MappingBuilder mapping = get(urlEqualTo(PATH)).willReturn(response);
        server.stubFor(mapping);
    }
}
