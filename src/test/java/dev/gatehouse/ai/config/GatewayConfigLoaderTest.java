package dev.gatehouse.ai.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file: the built-in default, GATEHOUSE_CONFIG, keys from the environment, and every problem reported at once. */
class GatewayConfigLoaderTest {
    static final String OPENAI_KEY = "sk-proj-loaderTestKey0123456789";

    @Test
    void builtInDefaultWithNoKeysInDevAnswersEveryAliasWithDevEchoAndSaysSoOnce() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of(), Mode.DEV);

        assertThat(config.servableModels()).containsExactly("gpt-4o-mini", "claude-haiku", "gemini-flash", "llama-local", "gpt-image-1", "text-embedding-3-small", "text-embedding-3-large", "dev-echo");
        assertThat(config.enabledRoute("gpt-4o-mini")).extracting(Deployment::name).containsExactly("dev-echo");
        assertThat(config.devStandIns()).containsOnlyKeys("gpt-4o-mini", "claude-haiku", "gemini-flash", "llama-local", "gpt-image-1", "text-embedding-3-small", "text-embedding-3-large")
                .containsValue("dev-echo");
        assertThat(config.deployments().get("openai-gpt-4o-mini").enabled()).isFalse();
        assertThat(config.deployments().get("openai-gpt-4o-mini").disabledReason()).isEqualTo("OPENAI_API_KEY not set");
        assertThat(config.deployments().get("ollama-llama-3.2").disabledReason()).isEqualTo("switched off in the config");
        assertThat(config.warnings()).as("dev mode reports unconfigured deployments in describe(), not as warnings").isEmpty();
        assertThat(config.describe()).contains("answered offline because no provider key is set: gpt-4o-mini -> dev-echo",
                "openai-gpt-4o-mini (OPENAI_API_KEY not set)");
    }

    @Test
    void productionWithNoKeysNeverStandsInAndWarnsPerDeployment() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of(), Mode.PRODUCTION);

        assertThat(config.servableModels()).isEmpty();
        assertThat(config.devStandIns()).isEmpty();
        assertThat(config.warnings()).anyMatch(w -> w.contains("OPENAI_API_KEY is not set"));
    }

    @Test
    void oneProviderKeyInDevEndsTheStandIns() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of("OPENAI_API_KEY", OPENAI_KEY), Mode.DEV);

        assertThat(config.devStandIns()).isEmpty();
        assertThat(config.enabledRoute("gpt-4o-mini")).extracting(Deployment::name).containsExactly("openai-gpt-4o-mini");
        assertThat(config.enabledRoute("llama-local")).isEmpty();
    }

    @Test
    void builtInDefaultDocumentsItsDefaults() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of(), Mode.PRODUCTION); // as written: no dev stand-ins

        assertThat(config.retry()).isEqualTo(new RetryPolicy(2, Duration.ofMillis(250), Duration.ofMillis(4_000), Duration.ofMillis(120_000)));
        assertThat(config.breaker()).isEqualTo(new BreakerPolicy(50, 20, 10, Duration.ofMillis(30_000), 2));
        assertThat(config.limits()).isEqualTo(new Limits(200_000, 4_096));
        assertThat(config.providers().get("anthropic").headers()).containsEntry("anthropic-version", "2023-06-01");
        assertThat(config.routes().get("gpt-4o-mini")).extracting(Deployment::name)
                .containsExactly("openai-gpt-4o-mini", "groq-llama-3.1-8b", "openrouter-llama-3.3");
    }

    @Test
    void keysInTheEnvironmentMakeTheirAliasesServable() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of("OPENAI_API_KEY", OPENAI_KEY, "ANTHROPIC_API_KEY", "sk-ant-x"), Mode.DEV);

        assertThat(config.servableModels()).containsExactly("gpt-4o-mini", "claude-haiku", "gemini-flash", "gpt-image-1", "text-embedding-3-small", "text-embedding-3-large", "dev-echo");
        assertThat(config.enabledRoute("gpt-4o-mini")).extracting(Deployment::name).containsExactly("openai-gpt-4o-mini");
        assertThat(config.providers().get("openai").apiKey()).isEqualTo(OPENAI_KEY);
    }

    @Test
    void productionNeverServesTheDevModel() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of("OPENAI_API_KEY", OPENAI_KEY), Mode.PRODUCTION);

        assertThat(config.servableModels()).containsExactly("gpt-4o-mini", "claude-haiku", "gemini-flash", "gpt-image-1", "text-embedding-3-small", "text-embedding-3-large");
        assertThat(config.deployments().get("dev-echo").disabledReason()).contains("disabled in production");
    }

    @Test
    void devModelExplicitlyEnabledInProductionIsAnError() {
        String json = """
                {"providers":{"dev-echo":{"kind":"dev-echo"}},
                 "deployments":{"dev-echo":{"provider":"dev-echo","enabled":true}},
                 "routes":{"dev-echo":["dev-echo"]}}
                """;

        assertThatThrownBy(() -> GatewayConfigLoader.parse(json, "f.json", Map.of(), Mode.PRODUCTION))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("$.deployments.dev-echo.enabled: dev-echo is a development model");
    }

    @Test
    void aDeploymentsApiDecidesWhichEndpointItsRouteServesAndDevEchoServesThemAll() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of("OPENAI_API_KEY", OPENAI_KEY), Mode.DEV);

        assertThat(config.deployments().get("openai-gpt-image-1").api()).isEqualTo(ModelApi.IMAGES);
        assertThat(config.deployments().get("openai-gpt-4o-mini").api()).isEqualTo(ModelApi.CHAT);
        assertThat(config.servableModels(ModelApi.IMAGES)).containsExactly("gpt-image-1", "dev-echo");
        assertThat(config.servableModels(ModelApi.EMBEDDINGS)).containsExactly("text-embedding-3-small", "text-embedding-3-large", "dev-echo");
        assertThat(config.servableModels(ModelApi.CHAT)).contains("gpt-4o-mini", "dev-echo").doesNotContain("gpt-image-1", "text-embedding-3-small");
    }

    @Test
    void anUnknownApiAnAnthropicImageModelAndAMixedRouteAreProblems() {
        String json = """
                {"providers":{"o":{"kind":"openai","base_url":"https://api.openai.com/v1"},
                              "a":{"kind":"anthropic","base_url":"https://api.anthropic.com"}},
                 "deployments":{"chat":{"provider":"o","model":"gpt-4o-mini"},
                                "img":{"provider":"o","model":"gpt-image-1","api":"images"},
                                "video":{"provider":"o","model":"sora","api":"video"},
                                "claude-img":{"provider":"a","model":"claude","api":"images"}},
                 "routes":{"mixed":["chat","img"]}}
                """;

        ConfigException error = catchThrowableOfType(ConfigException.class, () -> GatewayConfigLoader.parse(json, "f.json", Map.of(), Mode.DEV));

        assertThat(String.join("\n", error.problems())).contains(
                "$.deployments.video.api: unknown api 'video'; expected one of chat, images, embeddings",
                "$.deployments.claude-img.api: an anthropic provider serves chat only",
                "$.routes.mixed: mixes deployments of different APIs ([chat, images])");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsJsonPath() {
        String json = """
                {
                  "providers": {
                    "grok": {"kind": "grok", "base_url": "https://api.x.ai/v1", "api_key_env": "XAI_API_KEY"},
                    "openai": {"kind": "openai", "base_url": "not a url", "api_key_env": "sk-proj-pasted-key",
                               "headers": {"Authorization": "Bearer sk-123"}, "max_tokens_param": "max_output"},
                    "anthropic": {"kind": "anthropic", "base_url": "https://api.anthropic.com", "api_key_env": "ANTHROPIC_API_KEY", "colour": "red"}
                  },
                  "deployments": {
                    "claude": {"provider": "anthropic", "model": "claude-haiku-4-5", "enabled": true, "timeout_ms": 0},
                    "ghost": {"provider": "nowhere", "model": "x"},
                    "nomodel": {"provider": "anthropic"}
                  },
                  "routes": {
                    "claude-haiku": ["claude", "missing-deployment", "claude"],
                    "empty": []
                  },
                  "retry": {"max_attempts_per_deployment": 0, "base_backoff_ms": 500, "max_backoff_ms": 100},
                  "circuit_breaker": {"minimum_calls": 50, "sliding_window_calls": 10},
                  "limits": {"max_input_chars": "lots"},
                  "extra": true
                }
                """;

        ConfigException error = catchThrowableOfType(ConfigException.class,
                () -> GatewayConfigLoader.parse(json, "gateway.json", Map.of(), Mode.DEV));

        assertThat(error.problems()).allMatch(p -> p.startsWith("gateway config gateway.json: $"));
        assertThat(String.join("\n", error.problems())).contains(
                "$.extra: unknown field",
                "$.providers.grok.kind: unknown kind 'grok'; expected one of openai, anthropic, dev-echo",
                "$.providers.openai.base_url: must be an http(s) URL",
                "$.providers.openai.api_key_env: must name an environment variable",
                "$.providers.openai.headers.Authorization: keys never go in the config file",
                "$.providers.openai.max_tokens_param: must be max_tokens or max_completion_tokens",
                "$.providers.anthropic.colour: unknown field",
                "$.deployments.claude.timeout_ms: must be a whole number from 1 to 600000",
                "$.deployments.claude.enabled: is true, but ANTHROPIC_API_KEY (the key of provider 'anthropic') is not set",
                "$.deployments.ghost.provider: names provider 'nowhere', which is not defined under $.providers",
                "$.deployments.nomodel.model: is required",
                "$.routes.claude-haiku[1]: names deployment 'missing-deployment', which is not defined under $.deployments",
                "$.routes.claude-haiku[2]: deployment 'claude' appears twice",
                "$.routes.empty: must be a non-empty array",
                "$.retry.max_attempts_per_deployment: must be a whole number from 1 to 10",
                "$.retry.base_backoff_ms: must not exceed max_backoff_ms",
                "$.circuit_breaker.minimum_calls: must not exceed sliding_window_calls",
                "$.limits.max_input_chars: must be a whole number");
        assertThat(error.getMessage()).doesNotContain("sk-123");
    }

    @Test
    void configFileNamedByGatehouseConfigReplacesTheDefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.json");
        Files.writeString(file, """
                {"_comment": "local vLLM only",
                 "providers": {"vllm": {"kind": "openai", "base_url": "http://127.0.0.1:8000/v1/"}},
                 "deployments": {"qwen": {"provider": "vllm", "model": "Qwen/Qwen2.5-7B-Instruct", "timeout_ms": 5000}},
                 "routes": {"qwen": ["qwen"]}}
                """);

        GatewayConfig config = GatewayConfigLoader.load(Map.of("GATEHOUSE_CONFIG", file.toString()), Mode.PRODUCTION);

        assertThat(config.servableModels()).containsExactly("qwen");
        assertThat(config.providers().get("vllm").baseUrl()).isEqualTo("http://127.0.0.1:8000/v1");
        assertThat(config.providers().get("vllm").apiKey()).isNull();
        assertThat(config.deployments().get("qwen").attemptTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.source()).isEqualTo(file.toString());
    }

    @Test
    void unreadableOrInvalidFileIsOneClearProblem(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> GatewayConfigLoader.load(Map.of("GATEHOUSE_CONFIG", dir.resolve("absent.json").toString()), Mode.DEV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("GATEHOUSE_CONFIG names").hasMessageContaining("absent.json");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"providers\": {\n  \"a\": }");
        assertThatThrownBy(() -> GatewayConfigLoader.load(Map.of("GATEHOUSE_CONFIG", broken.toString()), Mode.DEV))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not valid JSON").hasMessageContaining("line 2");
    }

    @Test
    void keysNeverAppearInTheConfigsStringForms() {
        GatewayConfig config = GatewayConfigLoader.load(Map.of("OPENAI_API_KEY", OPENAI_KEY), Mode.DEV);

        assertThat(config.toString()).doesNotContain(OPENAI_KEY).contains("apiKey=present");
        assertThat(config.describe()).doesNotContain(OPENAI_KEY);
        assertThat(config.warnings()).noneMatch(w -> w.contains(OPENAI_KEY));
        assertThat(config.deployments().get("openai-gpt-4o-mini").toString()).doesNotContain(OPENAI_KEY);
    }
}
