package dev.gatehouse.ai.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.Mode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Reads the gateway config file ({@code GATEHOUSE_CONFIG}, else the built-in
 * {@code gateway/default-config.json}) once at start and validates all of it, reporting every
 * problem together with its JSON path. Keys come from the environment map, never from the file.
 * A deployment whose key variable is unset is disabled, not an error, unless it says {@code "enabled": true}.
 */
public final class GatewayConfigLoader {
    public static final String CONFIG_ENV = "GATEHOUSE_CONFIG";
    static final String DEFAULT_RESOURCE = "/gateway/default-config.json";
    static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final Set<String> SECRET_HEADERS = Set.of("authorization", "x-api-key", "api-key", "x-goog-api-key");

    private final Map<String, String> env;
    private final Mode mode;
    private final ConfigReader file = new ConfigReader();
    private final List<String> warnings = new ArrayList<>();

    private GatewayConfigLoader(Map<String, String> env, Mode mode) {
        this.env = env;
        this.mode = mode;
    }

    /** Reads the file {@code GATEHOUSE_CONFIG} names, or the built-in default; throws {@link ConfigException} listing every problem. */
    public static GatewayConfig load(Map<String, String> env, Mode mode) {
        String path = env.get(CONFIG_ENV);
        if (path == null || path.isBlank()) {
            return parse(readDefault(), "classpath:gateway/default-config.json", env, mode);
        }
        try {
            return parse(Files.readString(Path.of(path.strip()), StandardCharsets.UTF_8), path.strip(), env, mode);
        } catch (IOException e) {
            throw new ConfigException(List.of(CONFIG_ENV + " names " + path.strip() + ", which cannot be read: " + e));
        }
    }

    /** Parses and validates config text; {@code source} names it in messages. */
    public static GatewayConfig parse(String json, String source, Map<String, String> env, Mode mode) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of("gateway config " + source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        GatewayConfigLoader loader = new GatewayConfigLoader(env, mode);
        GatewayConfig config = loader.read(root, source);
        if (!loader.file.problems().isEmpty()) {
            throw new ConfigException(loader.file.problems().stream().map(p -> "gateway config " + source + ": " + p).toList());
        }
        return config;
    }

    private static String readDefault() {
        try (InputStream in = GatewayConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("built-in " + DEFAULT_RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GatewayConfig read(JsonNode root, String source) {
        ObjectNode top = file.object(root, "$");
        if (top == null) {
            return null;
        }
        file.onlyKnown(top, "$", Set.of("providers", "deployments", "routes", "retry", "circuit_breaker", "limits"));
        Map<String, Provider> providers = providers(top.get("providers"));
        Map<String, Deployment> deployments = deployments(top.get("deployments"), providers);
        Map<String, List<Deployment>> routes = routes(top.get("routes"), deployments);
        RetryPolicy retry = retry(top.get("retry"));
        BreakerPolicy breaker = breaker(top.get("circuit_breaker"));
        Limits limits = limits(top.get("limits"));
        return new GatewayConfig(providers, deployments, routes, retry, breaker, limits, warnings, source);
    }

    private Map<String, Provider> providers(JsonNode node) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> entry : file.namedObjects(node, "$.providers").entrySet()) {
            String name = entry.getKey();
            String path = ConfigReader.path("$.providers", name);
            ObjectNode p = entry.getValue();
            file.onlyKnown(p, path, Set.of("kind", "base_url", "api_key_env", "headers", "max_tokens_param"));
            String kindName = file.text(p, "kind", path, true);
            ProviderKind kind = kindName == null ? null : ProviderKind.fromConfigName(kindName).orElse(null);
            if (kindName != null && kind == null) {
                file.problem(path + ".kind", "unknown kind '" + kindName + "'; expected one of openai, anthropic, dev-echo");
            }
            if (kind == null) {
                continue;
            }
            boolean network = kind != ProviderKind.DEV_ECHO;
            String baseUrl = file.text(p, "base_url", path, network);
            String keyEnv = file.text(p, "api_key_env", path, false);
            if (!network && (baseUrl != null || keyEnv != null)) {
                file.problem(path, "a dev-echo provider runs offline: remove base_url and api_key_env");
            }
            if (network && baseUrl != null) {
                HttpUrl url = HttpUrl.parse(baseUrl);
                if (url == null) {
                    file.problem(path + ".base_url", "must be an http(s) URL such as https://api.openai.com/v1");
                }
                baseUrl = baseUrl.replaceAll("/+$", "");
            }
            if (keyEnv != null && !ENV_NAME.matcher(keyEnv).matches()) {
                file.problem(path + ".api_key_env", "must name an environment variable (A-Z, 0-9, _), not hold a key");
                keyEnv = null;
            }
            Map<String, String> headers = headers(p.get("headers"), path + ".headers");
            if (kind == ProviderKind.ANTHROPIC && headers.keySet().stream().noneMatch("anthropic-version"::equalsIgnoreCase)) {
                headers.put("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
            }
            String maxTokensParam = file.text(p, "max_tokens_param", path, false);
            if (maxTokensParam != null && kind != ProviderKind.OPENAI) {
                file.problem(path + ".max_tokens_param", "applies to openai-kind providers only");
            } else if (maxTokensParam != null && !Set.of("max_tokens", "max_completion_tokens").contains(maxTokensParam)) {
                file.problem(path + ".max_tokens_param", "must be max_tokens or max_completion_tokens");
            }
            String key = keyEnv == null ? null : blankToNull(env.get(keyEnv));
            providers.put(name, new Provider(name, kind, baseUrl, keyEnv, key, headers,
                    maxTokensParam == null ? "max_tokens" : maxTokensParam));
        }
        return providers;
    }

    private Map<String, String> headers(JsonNode node, String path) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (node == null) {
            return headers;
        }
        ObjectNode object = file.object(node, path);
        if (object == null) {
            return headers;
        }
        object.properties().forEach(e -> {
            String name = e.getKey();
            if (!HEADER_NAME.matcher(name).matches()) {
                file.problem(ConfigReader.path(path, name), "is not a valid header name");
            } else if (SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                file.problem(ConfigReader.path(path, name), "keys never go in the config file: name the variable holding the key in api_key_env");
            } else if (!e.getValue().isTextual()) {
                file.problem(ConfigReader.path(path, name), "must be a string");
            } else {
                headers.put(name, e.getValue().asText());
            }
        });
        return headers;
    }

    private Map<String, Deployment> deployments(JsonNode node, Map<String, Provider> providers) {
        Map<String, Deployment> deployments = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> entry : file.namedObjects(node, "$.deployments").entrySet()) {
            String name = entry.getKey();
            String path = ConfigReader.path("$.deployments", name);
            ObjectNode d = entry.getValue();
            file.onlyKnown(d, path, Set.of("provider", "model", "timeout_ms", "enabled", "api"));
            String providerName = file.text(d, "provider", path, true);
            Provider provider = providerName == null ? null : providers.get(providerName);
            if (providerName != null && provider == null) {
                file.problem(path + ".provider", "names provider '" + providerName + "', which is not defined under $.providers");
            }
            boolean devEcho = provider != null && provider.kind() == ProviderKind.DEV_ECHO;
            String model = file.text(d, "model", path, !devEcho);
            Duration timeout = file.millis(d, "timeout_ms", path, 60_000, 1, 600_000);
            JsonNode enabledNode = d.get("enabled");
            String enabled = enabledNode == null ? "auto" : enabledNode.asText();
            if (enabledNode != null && !enabledNode.isBoolean() && !"auto".equals(enabledNode.asText())) {
                file.problem(path + ".enabled", "must be true, false or \"auto\"");
            }
            ModelApi api = api(d, path, provider);
            if (provider == null) {
                continue;
            }
            String disabledReason = disabledReason(name, path, provider, enabled);
            deployments.put(name, new Deployment(name, provider, model == null ? name : model, timeout,
                    disabledReason == null, disabledReason, api));
        }
        return deployments;
    }

    /** The deployment's {@code api} (default chat); images and embeddings need an OpenAI-kind provider (or dev-echo, which serves all). */
    private ModelApi api(ObjectNode d, String path, Provider provider) {
        String name = file.text(d, "api", path, false);
        if (name == null) {
            return ModelApi.CHAT;
        }
        ModelApi api = ModelApi.fromConfigName(name).orElse(null);
        if (api == null) {
            file.problem(path + ".api", "unknown api '" + name + "'; expected one of chat, images, embeddings");
            return ModelApi.CHAT;
        }
        if (api != ModelApi.CHAT && provider != null && provider.kind() == ProviderKind.ANTHROPIC) {
            file.problem(path + ".api", "an anthropic provider serves chat only; images and embeddings need an openai-kind provider");
        }
        return api;
    }

    /** Null when enabled. {@code "enabled": true} turns a missing key into an error, for production configs that must not limp. */
    private String disabledReason(String name, String path, Provider provider, String enabled) {
        if ("false".equals(enabled)) {
            return "switched off in the config";
        }
        if (provider.kind() == ProviderKind.DEV_ECHO && mode == Mode.PRODUCTION) {
            if ("true".equals(enabled)) {
                file.problem(path + ".enabled", "dev-echo is a development model and cannot be enabled in production");
            }
            return "dev-only model, disabled in production";
        }
        if (provider.apiKeyEnv() != null && provider.apiKey() == null) {
            if ("true".equals(enabled)) {
                file.problem(path + ".enabled", "is true, but " + provider.apiKeyEnv() + " (the key of provider '"
                        + provider.name() + "') is not set");
            }
            if (mode == Mode.PRODUCTION) { // dev mode says it once, in GatewayConfig.describe()
                warnings.add("deployment '" + name + "' is disabled: " + provider.apiKeyEnv() + " is not set");
            }
            return provider.apiKeyEnv() + " not set";
        }
        return null;
    }

    private Map<String, List<Deployment>> routes(JsonNode node, Map<String, Deployment> deployments) {
        Map<String, List<Deployment>> routes = new LinkedHashMap<>();
        if (node == null) {
            file.problem("$.routes", "is required: public model alias → list of deployment names");
            return routes;
        }
        ObjectNode object = file.object(node, "$.routes");
        if (object == null) {
            return routes;
        }
        Deployment standIn = devStandIn(deployments);
        object.properties().forEach(e -> {
            String alias = e.getKey();
            String path = ConfigReader.path("$.routes", alias);
            if (alias.startsWith("_")) {
                return;
            }
            if (!ConfigReader.NAME.matcher(alias).matches()) {
                file.problem(path, "alias must be letters, digits and . _ : / - (at most 128)");
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                file.problem(path, "must be a non-empty array of deployment names, tried in order");
                return;
            }
            List<Deployment> steps = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                JsonNode step = e.getValue().get(i);
                Deployment deployment = step.isTextual() ? deployments.get(step.asText()) : null;
                if (!step.isTextual()) {
                    file.problem(path + "[" + i + "]", "must be a deployment name");
                } else if (!seen.add(step.asText())) {
                    file.problem(path + "[" + i + "]", "deployment '" + step.asText() + "' appears twice");
                } else if (deployment == null) {
                    file.problem(path + "[" + i + "]", "names deployment '" + step.asText() + "', which is not defined under $.deployments");
                } else {
                    steps.add(deployment);
                }
            }
            Set<ModelApi> apis = new LinkedHashSet<>();
            steps.stream().filter(step -> step.provider().kind() != ProviderKind.DEV_ECHO).forEach(step -> apis.add(step.api()));
            if (apis.size() > 1) {
                file.problem(path, "mixes deployments of different APIs (" + apis.stream().map(ModelApi::configName).toList()
                        + "); a route falls back between deployments of one API");
            }
            if (!steps.isEmpty() && steps.stream().noneMatch(Deployment::enabled)) {
                if (standIn != null) {
                    steps.add(standIn);
                } else {
                    warnings.add("model '" + alias + "' is not servable: none of its deployments is enabled");
                }
            }
            routes.put(alias, List.copyOf(steps));
        });
        return routes;
    }

    /**
     * Dev mode with no provider key set: the offline dev-echo deployment answers for every alias that has
     * no enabled deployment, so documented examples ({@code gpt-4o-mini}) run as written. The response
     * says so ({@link GatewayConfig#devStandIns()}). Null otherwise: production never stands in.
     */
    private Deployment devStandIn(Map<String, Deployment> deployments) {
        if (mode != Mode.DEV || deployments.values().stream().anyMatch(d -> d.enabled() && d.provider().kind() != ProviderKind.DEV_ECHO)) {
            return null;
        }
        return deployments.values().stream().filter(d -> d.enabled() && d.provider().kind() == ProviderKind.DEV_ECHO).findFirst().orElse(null);
    }

    private RetryPolicy retry(JsonNode node) {
        String path = "$.retry";
        ObjectNode r = file.optionalObject(node, path);
        file.onlyKnown(r, path, Set.of("max_attempts_per_deployment", "base_backoff_ms", "max_backoff_ms", "deadline_ms"));
        int attempts = file.integer(r, "max_attempts_per_deployment", path, 2, 1, 10);
        Duration base = file.millis(r, "base_backoff_ms", path, 250, 0, 60_000);
        Duration max = file.millis(r, "max_backoff_ms", path, 4_000, 0, 600_000);
        Duration deadline = file.millis(r, "deadline_ms", path, 120_000, 1, 3_600_000);
        if (base.compareTo(max) > 0) {
            file.problem(path + ".base_backoff_ms", "must not exceed max_backoff_ms");
        }
        return new RetryPolicy(attempts, base, max, deadline);
    }

    private BreakerPolicy breaker(JsonNode node) {
        String path = "$.circuit_breaker";
        ObjectNode b = file.optionalObject(node, path);
        file.onlyKnown(b, path, Set.of("failure_rate_percent", "sliding_window_calls", "minimum_calls", "open_ms", "half_open_calls"));
        int rate = file.integer(b, "failure_rate_percent", path, 50, 1, 100);
        int window = file.integer(b, "sliding_window_calls", path, 20, 1, 10_000);
        int minimum = file.integer(b, "minimum_calls", path, 10, 1, 10_000);
        Duration open = file.millis(b, "open_ms", path, 30_000, 1, 3_600_000);
        int halfOpen = file.integer(b, "half_open_calls", path, 2, 1, 1_000);
        if (minimum > window) {
            file.problem(path + ".minimum_calls", "must not exceed sliding_window_calls");
        }
        return new BreakerPolicy(rate, window, minimum, open, halfOpen);
    }

    private Limits limits(JsonNode node) {
        String path = "$.limits";
        ObjectNode l = file.optionalObject(node, path);
        file.onlyKnown(l, path, Set.of("max_input_chars", "default_max_tokens", "max_stream_ms"));
        return new Limits(file.integer(l, "max_input_chars", path, 200_000, 1, 10_000_000),
                file.integer(l, "default_max_tokens", path, 4_096, 1, 1_000_000),
                file.integer(l, "max_stream_ms", path, Limits.DEFAULT_MAX_STREAM_MS, 1, Limits.MAX_STREAM_MS));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
