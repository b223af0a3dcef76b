package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One thing wrong with a request, a task definition or a model's answer, named by where it is
 * ({@code variables.question}, {@code output.score}) so the message can point at it.
 */
record Problem(String where, String message) {
    @Override
    public String toString() {
        return where + ": " + message;
    }

    /** How messages name what they received instead of what they expected. */
    static String typeOf(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "an unsupported value";
        };
    }
}
