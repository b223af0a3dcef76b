package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A whole answer from one upstream attempt, before the gateway settles it into a {@link Completion}. */
public sealed interface Answer {

    /**
     * An OpenAI {@code chat.completion} tree still to finish: translated from another API, built by
     * dev-echo, or relayed without usage (the gateway names the alias and counts usage itself).
     */
    record Tree(ObjectNode body) implements Answer {}

    /**
     * The upstream's own bytes, ready for the caller: model already the public alias, and usage as
     * the upstream reported it (see {@link OpenAiRelay#completion}).
     */
    record Relayed(byte[] json, int promptTokens, int completionTokens) implements Answer {}
}
