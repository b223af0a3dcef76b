package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.stream.StreamRelay;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * The offline development model: no network, no key, no cost. It answers every request with a
 * labelled echo of the last user message, so no one can mistake it for a real model, and it
 * behaves like one where the rest of the system can tell: streaming in several chunks, the output
 * limit honoured (finish_reason {@code length}), usage counted by the tokenizer.
 */
final class DevEchoModel implements Upstream {
    static final String LABEL = "[dev-echo — offline development model, not a real AI] ";

    private final int defaultMaxTokens;

    DevEchoModel(int defaultMaxTokens) {
        this.defaultMaxTokens = defaultMaxTokens;
    }

    private record Reply(String text, String finishReason) {}

    @Override
    public Answer complete(ChatRequest request, Duration timeout) {
        Reply reply = reply(request);
        return new Answer.Tree(OpenAiJson.completion(id(request), OpenAiJson.now(), "dev-echo",
                OpenAiJson.assistantMessage(reply.text()), reply.finishReason(), null));
    }

    @Override
    public void stream(ChatRequest request, Duration firstEventTimeout, StreamRelay relay) {
        Reply reply = reply(request);
        String id = id(request);
        long created = OpenAiJson.now();
        ObjectNode first = OpenAiJson.chunk(id, created, "dev-echo", null);
        OpenAiJson.delta(first).put("role", "assistant").put("content", "");
        relay.chunk(first);
        // One chunk per word, each with its leading space, as a real model's tokens arrive.
        String text = reply.text();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf(' ', start + 1);
            end = end < 0 ? text.length() : end;
            ObjectNode chunk = OpenAiJson.chunk(id, created, "dev-echo", null);
            OpenAiJson.delta(chunk).put("content", text.substring(start, end));
            relay.chunk(chunk);
            start = end;
        }
        relay.chunk(OpenAiJson.chunk(id, created, "dev-echo", reply.finishReason()));
    }

    private Reply reply(ChatRequest request) {
        JsonNode format = request.body().path("response_format");
        if ("json_schema".equals(format.path("type").asText())) {
            // Structured-output tasks must parse in dev too: answer with the schema's simplest instance.
            return new Reply(sample(format.path("json_schema").path("schema")).toString(), "stop");
        }
        String full = LABEL + "You said: " + lastUserText(request.body());
        int cut = TokenCounter.cutAfter(full, request.maxTokens(defaultMaxTokens));
        return cut < full.length() ? new Reply(full.substring(0, cut), "length") : new Reply(full, "stop");
    }

    /** The simplest value the schema accepts; strings carry the label so no one takes it for an answer. */
    static JsonNode sample(JsonNode schema) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        if (schema.has("enum") && schema.get("enum").size() > 0) {
            return schema.get("enum").get(0);
        }
        String type = schema.path("type").isArray() ? schema.path("type").path(0).asText() : schema.path("type").asText("object");
        return switch (type) {
            case "object" -> {
                ObjectNode o = f.objectNode();
                schema.path("properties").properties().forEach(p -> o.set(p.getKey(), sample(p.getValue())));
                yield o;
            }
            case "array" -> {
                com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
                for (int i = 0; i < Math.max(schema.path("minItems").asInt(0), 1); i++) {
                    a.add(sample(schema.path("items")));
                }
                yield a;
            }
            case "integer" -> f.numberNode(schema.path("minimum").asLong(0));
            case "number" -> f.numberNode(schema.path("minimum").asDouble(0));
            case "boolean" -> f.booleanNode(false);
            case "null" -> f.nullNode();
            default -> f.textNode(LABEL.strip());
        };
    }

    private static String lastUserText(JsonNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText())) {
                String text = OpenAiJson.text(messages.get(i).get("content"));
                return text.isEmpty() ? "(an image)" : text;
            }
        }
        return "(nothing: there is no user message)";
    }

    private static String id(ChatRequest request) {
        return "chatcmpl-devecho-" + request.requestId();
    }
}
