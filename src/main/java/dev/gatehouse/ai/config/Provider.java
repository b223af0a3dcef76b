package dev.gatehouse.ai.config;

import java.util.Map;

/**
 * One upstream account: where to send requests and with which key.
 *
 * @param baseUrl        without a trailing slash; null for {@code dev-echo}
 * @param apiKeyEnv      the environment variable the key is read from; null when the API needs no key (a local Ollama)
 * @param apiKey         the key itself, read from the environment at load; null when absent. Never printed:
 *                       {@link #toString()} leaves it out
 * @param headers        extra headers sent on every request (e.g. {@code anthropic-version}); never secrets
 * @param maxTokensParam the request field the API reads the output limit from ({@code max_tokens} or
 *                       {@code max_completion_tokens}); OpenAI-kind providers only
 */
public record Provider(
        String name,
        ProviderKind kind,
        String baseUrl,
        String apiKeyEnv,
        String apiKey,
        Map<String, String> headers,
        String maxTokensParam) {

    public Provider {
        headers = Map.copyOf(headers);
    }

    /** The key stays out of every string form, so a logged config or a failed assertion cannot leak it. */
    @Override
    public String toString() {
        return "Provider[name=" + name + ", kind=" + kind.configName() + ", baseUrl=" + baseUrl
                + ", apiKeyEnv=" + apiKeyEnv + ", apiKey=" + (apiKey == null ? "absent" : "present")
                + ", headers=" + headers.keySet() + ", maxTokensParam=" + maxTokensParam + "]";
    }
}
