package dev.gatehouse.ai.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * Which OpenAI API a deployment's model speaks, named as in the config file ({@code "api"} of a
 * deployment, default {@code chat}). A route serves one API; the offline dev-echo model serves all.
 */
public enum ModelApi {
    /** {@code POST /chat/completions}. */
    CHAT("chat", "/chat/completions"),
    /** {@code POST /images/generations}. */
    IMAGES("images", "/images/generations"),
    /** {@code POST /embeddings}. */
    EMBEDDINGS("embeddings", "/embeddings");

    private final String configName;
    private final String path;

    ModelApi(String configName, String path) {
        this.configName = configName;
        this.path = path;
    }

    public String configName() {
        return configName;
    }

    /** Appended to an OpenAI-kind provider's base URL. */
    public String path() {
        return path;
    }

    static Optional<ModelApi> fromConfigName(String name) {
        return Arrays.stream(values()).filter(a -> a.configName.equals(name)).findFirst();
    }
}
