package dev.gatehouse.ai.config;

import java.util.Arrays;
import java.util.Optional;

/** The wire formats the gateway speaks upstream, named as in the config file. */
public enum ProviderKind {
    /** OpenAI Chat Completions, and every API that copies it: Groq, Gemini's OpenAI endpoint, OpenRouter, Ollama, vLLM. */
    OPENAI("openai"),
    /** Anthropic's Messages API, translated both ways. */
    ANTHROPIC("anthropic"),
    /** The offline development model: no network, no key, deterministic answers. Disabled in production. */
    DEV_ECHO("dev-echo");

    private final String configName;

    ProviderKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    static Optional<ProviderKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }
}
