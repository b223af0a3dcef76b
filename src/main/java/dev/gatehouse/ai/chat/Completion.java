package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A non-streaming answer.
 *
 * @param body  an OpenAI {@code chat.completion} object (model = the public alias, usage always present)
 * @param usage what it cost; {@link Usage#outcome()} is {@link Outcome#COMPLETED}
 */
public record Completion(ObjectNode body, Usage usage) {
}
