package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A non-streaming answer: an OpenAI {@code chat.completion} object (model = the public alias, usage
 * always present) and what it cost. A relayed answer holds the upstream's bytes and is parsed only
 * when something reads its {@link #body()} (tasks do; chat completions relay {@link #json()} as is).
 * Used by one request's thread only.
 */
public final class Completion {
    private final Usage usage;
    private byte[] json;
    private ObjectNode body;

    /** @param usage what it cost; {@link Usage#outcome()} is {@link Outcome#COMPLETED} */
    public Completion(ObjectNode body, Usage usage) {
        this.body = body;
        this.usage = usage;
    }

    private Completion(byte[] json, Usage usage) {
        this.json = json;
        this.usage = usage;
    }

    /** An answer relayed as the upstream's bytes, already rewritten ({@link OpenAiRelay#completion}). */
    public static Completion relayed(byte[] json, Usage usage) {
        return new Completion(json, usage);
    }

    /** The answer as a tree, parsed from the relayed bytes on first use. */
    public ObjectNode body() {
        if (body == null) {
            try {
                body = (ObjectNode) OpenAiJson.MAPPER.readTree(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // bytes that OpenAiRelay already read as an object
            }
        }
        return body;
    }

    /** The answer as the caller receives it: the relayed bytes, or the tree serialised. */
    public byte[] json() {
        return json != null ? json : OpenAiJson.bytes(body);
    }

    public Usage usage() {
        return usage;
    }
}
