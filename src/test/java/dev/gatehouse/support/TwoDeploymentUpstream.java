package dev.gatehouse.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One WireMock provider with two OpenAI-compatible deployments, {@code primary} then {@code backup},
 * behind the alias {@code gpt-4o-mini}: each answers in OpenAI's wire format, and {@link #failPrimary}
 * makes the primary answer OpenAI's 500 so requests fall back and its breaker opens (after 4 calls,
 * at 50 %, for a minute; one attempt per deployment, so a failure moves on at once).
 */
public final class TwoDeploymentUpstream implements AutoCloseable {
    public static final String PROVIDER_KEY = "sk-test-upstream-0123456789abcdef";
    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());

    public TwoDeploymentUpstream() {
        server.start();
        answer("primary", 200, completion("from primary"));
        answer("backup", 200, completion("from backup"));
    }

    public void failPrimary() {
        answer("primary", 500, """
                {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""");
    }

    private void answer(String deployment, int status, String body) {
        server.stubFor(post(urlEqualTo("/" + deployment + "/v1/chat/completions"))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    public static String completion(String content) {
        return """
                {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini-2024-07-18",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29},"service_tier":"default","system_fingerprint":"fp_06737a9306"}
                """.formatted(content);
    }

    /** The gateway config file naming both deployments (and the dev model, for dev-echo requests). */
    public Path config() throws IOException {
        Path file = Files.createTempFile("gateway-two-deployments", ".json");
        Files.writeString(file, """
                {
                  "providers": {
                    "primary-provider": {"kind": "openai", "base_url": "%1$s/primary/v1", "api_key_env": "UPSTREAM_KEY"},
                    "backup-provider": {"kind": "openai", "base_url": "%1$s/backup/v1", "api_key_env": "UPSTREAM_KEY"},
                    "dev-echo": {"kind": "dev-echo"}
                  },
                  "deployments": {
                    "primary": {"provider": "primary-provider", "model": "gpt-4o-mini"},
                    "backup": {"provider": "backup-provider", "model": "gpt-4o-mini"},
                    "dev-echo": {"provider": "dev-echo", "model": "dev-echo"}
                  },
                  "routes": {"gpt-4o-mini": ["primary", "backup"], "dev-echo": ["dev-echo"]},
                  "retry": {"max_attempts_per_deployment": 1, "base_backoff_ms": 1, "max_backoff_ms": 1},
                  "circuit_breaker": {"failure_rate_percent": 50, "sliding_window_calls": 4, "minimum_calls": 4, "open_ms": 60000, "half_open_calls": 1}
                }
                """.formatted(server.baseUrl()));
        return file;
    }

    @Override
    public void close() {
        server.stop();
    }
}
