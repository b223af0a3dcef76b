package dev.gatehouse.ai.media;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Validates images and embeddings bodies against the aliases that serve each API; built once at start. */
public final class MediaRequests {
    private final List<String> imageModels;
    private final List<String> embeddingModels;
    private final int maxInputChars;

    public MediaRequests(List<String> imageModels, List<String> embeddingModels, int maxInputChars) {
        this.imageModels = List.copyOf(imageModels);
        this.embeddingModels = List.copyOf(embeddingModels);
        this.maxInputChars = maxInputChars;
    }

    /** A 400 Refusal naming the field at fault, else the request. */
    public ImageRequest images(JsonNode body) {
        return ImageRequest.parse(body, imageModels, maxInputChars);
    }

    /** A 400 Refusal naming the field (or {@code input[i]}) at fault, else the request. */
    public EmbeddingRequest embeddings(JsonNode body) {
        return EmbeddingRequest.parse(body, embeddingModels, maxInputChars);
    }
}
