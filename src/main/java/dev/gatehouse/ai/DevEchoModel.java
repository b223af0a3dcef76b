package dev.gatehouse.ai;

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
    public ObjectNode complete(ChatRequest request, Duration timeout) {
        Reply reply = reply(request);
        return OpenAiJson.completion(id(request), OpenAiJson.now(), "dev-echo",
                OpenAiJson.assistantMessage(reply.text()), reply.finishReason(), null);
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
        String full = LABEL + "You said: " + lastUserText(request.body());
        int cut = TokenCounter.cutAfter(full, request.maxTokens(defaultMaxTokens));
        return cut < full.length() ? new Reply(full.substring(0, cut), "length") : new Reply(full, "stop");
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
