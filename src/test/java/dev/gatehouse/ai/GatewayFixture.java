package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.UsageListener;
import dev.gatehouse.ai.config.GatewayConfig;
import dev.gatehouse.ai.config.GatewayConfigLoader;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.Mode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import okhttp3.OkHttpClient;

/**
 * Builds gateways for tests through the real config file format: each deployment gets a provider
 * of its own name whose key lives in {@code <NAME>_KEY}. Defaults are small so failures are fast:
 * one attempt per deployment, short backoff, 2 s per attempt, 5 s deadline, a breaker that stays closed.
 */
final class GatewayFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Where {@link #primaryThenSecondary} sends each deployment's calls on the fake upstream. */
    static final String PRIMARY = "/primary/v1/chat/completions";
    static final String SECONDARY = "/secondary/v1/chat/completions";

    private final ObjectNode root = JSON.createObjectNode();
    private final ObjectNode providers = root.putObject("providers");
    private final ObjectNode deployments = root.putObject("deployments");
    private final ObjectNode routes = root.putObject("routes");
    private final Map<String, String> env = new HashMap<>();
    private int timeoutMs = 2_000;
    private OkHttpClient http = Gateway.defaultHttpClient();
    private UsageListener listener = UsageListener.NONE;

    private GatewayFixture() {
        retry(1, 10, 50, 5_000);
        breaker(50, 100, 100, 30_000, 1);
        root.putObject("limits").put("max_input_chars", 200_000).put("default_max_tokens", 1_024);
    }

    static GatewayFixture gateway() {
        return new GatewayFixture();
    }

    /** The key a deployment's provider is given: distinctive, so tests can prove it never leaks. */
    static String keyOf(String deployment) {
        return "sk-test-" + deployment + "-7f3a9c1e5b";
    }

    GatewayFixture openAi(String deployment, String baseUrl) {
        return provider(deployment, "openai", baseUrl);
    }

    GatewayFixture anthropic(String deployment, String baseUrl) {
        return provider(deployment, "anthropic", baseUrl);
    }

    GatewayFixture devEcho(String deployment) {
        providers.putObject(deployment).put("kind", "dev-echo");
        deployments.putObject(deployment).put("provider", deployment);
        return this;
    }

    private GatewayFixture provider(String deployment, String kind, String baseUrl) {
        String keyEnv = deployment.toUpperCase(Locale.ROOT).replace('-', '_') + "_KEY";
        providers.putObject(deployment).put("kind", kind).put("base_url", baseUrl).put("api_key_env", keyEnv);
        deployments.putObject(deployment).put("provider", deployment).put("model", "upstream-" + deployment);
        env.put(keyEnv, keyOf(deployment));
        return this;
    }

    /** The common shape under test: alias {@code gpt-4o-mini} → OpenAI-kind deployments {@code primary}, then {@code secondary}. */
    GatewayFixture primaryThenSecondary(String upstreamBaseUrl) {
        return openAi("primary", upstreamBaseUrl + "/primary/v1")
                .openAi("secondary", upstreamBaseUrl + "/secondary/v1")
                .route("gpt-4o-mini", "primary", "secondary");
    }

    /** Says which OpenAI API a deployment speaks ({@code images}, {@code embeddings}; chat when never said). */
    GatewayFixture api(String deployment, String api) {
        ((ObjectNode) deployments.get(deployment)).put("api", api);
        return this;
    }

    GatewayFixture route(String alias, String... deploymentNames) {
        ArrayNode steps = routes.putArray(alias);
        for (String name : deploymentNames) {
            steps.add(name);
        }
        return this;
    }

    GatewayFixture retry(int attemptsPerDeployment, int baseBackoffMs, int maxBackoffMs, int deadlineMs) {
        root.putObject("retry").put("max_attempts_per_deployment", attemptsPerDeployment)
                .put("base_backoff_ms", baseBackoffMs).put("max_backoff_ms", maxBackoffMs).put("deadline_ms", deadlineMs);
        return this;
    }

    GatewayFixture breaker(int failureRatePercent, int windowCalls, int minimumCalls, int openMs, int halfOpenCalls) {
        root.putObject("circuit_breaker").put("failure_rate_percent", failureRatePercent)
                .put("sliding_window_calls", windowCalls).put("minimum_calls", minimumCalls)
                .put("open_ms", openMs).put("half_open_calls", halfOpenCalls);
        return this;
    }

    GatewayFixture attemptTimeoutMs(int timeoutMs) {
        this.timeoutMs = timeoutMs;
        return this;
    }

    GatewayFixture http(OkHttpClient http) {
        this.http = http;
        return this;
    }

    GatewayFixture listener(UsageListener listener) {
        this.listener = listener;
        return this;
    }

    GatewayConfig config() {
        deployments.properties().forEach(d -> ((ObjectNode) d.getValue()).put("timeout_ms", timeoutMs));
        return GatewayConfigLoader.parse(root.toString(), "test config", env, Mode.DEV);
    }

    Gateway build() {
        return new Gateway(config(), http, listener);
    }

    /** A user request for an alias as the HTTP layer would pass it, with a plan limit of 1,000 output tokens. */
    static ChatRequest request(Gateway gateway, String json) {
        try {
            return gateway.parse(JSON.readTree(json), 1_000, "req_test");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ChatRequest ask(Gateway gateway, String alias, String question) {
        return request(gateway, "{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}");
    }

    static ChatRequest askStreaming(Gateway gateway, String alias, String question, boolean includeUsage) {
        return request(gateway, "{\"model\":\"" + alias + "\",\"stream\":true"
                + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}");
    }
}
