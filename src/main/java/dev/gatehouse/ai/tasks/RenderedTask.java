package dev.gatehouse.ai.tasks;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A validated task request, ready to send: {@code request} is an OpenAI Chat Completions body
 * (model, messages, max_tokens, temperature, stream, and response_format for JSON tasks).
 * {@code model} and {@code stream} repeat what the body holds so the caller can route and choose
 * the streaming path without reading JSON. The body is the caller's own copy and may be changed.
 */
public record RenderedTask(String task, OutputKind output, String model, boolean stream, ObjectNode request) {}
