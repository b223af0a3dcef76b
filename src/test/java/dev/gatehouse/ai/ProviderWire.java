package dev.gatehouse.ai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Provider responses in their real wire formats, as the providers document and send them:
 * OpenAI {@code chat.completion} / {@code chat.completion.chunk} objects and error bodies, Anthropic
 * {@code message} objects, {@code event:}+{@code data:} streams and error bodies.
 */
public final class ProviderWire {
    static final String OPENAI_MODEL = "gpt-4o-mini-2024-07-18";
    static final String ANTHROPIC_MODEL = "claude-haiku-4-5-20251001";
    static final String OPENAI_ID = "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG";
    static final String UPSTREAM_SECRET_DETAIL = "org-upstream-internal-7731 at api.provider.example";

    private ProviderWire() {}

    static String openAiCompletion(String content) {
        return """
                {"id":"%s","object":"chat.completion","created":1741570283,"model":"%s",
                 "choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null,"annotations":[]},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                          "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
                          "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
                 "service_tier":"default","system_fingerprint":"fp_06737a9306"}
                """.formatted(OPENAI_ID, OPENAI_MODEL, quote(content));
    }

    /** As some OpenAI-compatible servers answer: no usage at all. */
    static String openAiCompletionWithoutUsage(String content) {
        return """
                {"id":"chatcmpl-local-1","object":"chat.completion","created":1741570283,"model":"llama3.2",
                 "choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}]}
                """.formatted(quote(content));
    }

    static String openAiError(String message, String type, String param, String code) {
        return """
                {"error":{"message":%s,"type":%s,"param":%s,"code":%s}}
                """.formatted(quote(message), quote(type), quote(param), quote(code));
    }

    /** A finished stream as OpenAI sends it with include_usage: usage null on every chunk, then a usage-only chunk. */
    static String openAiStream(String... pieces) {
        StringBuilder sse = new StringBuilder(openAiChunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
        for (String piece : pieces) {
            sse.append(openAiChunk("{\"content\":" + quote(piece) + "}", null));
        }
        sse.append(openAiChunk("{}", "stop"));
        sse.append("data: {\"id\":\"").append(OPENAI_ID).append("\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,")
                .append("\"model\":\"").append(OPENAI_MODEL).append("\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",")
                .append("\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21,")
                .append("\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},")
                .append("\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n");
        sse.append("data: [DONE]\n\n");
        return sse.toString();
    }

    /** A stream the upstream cut: the role chunk and some content, then the connection closes with no finish and no [DONE]. */
    static String openAiStreamCut(String... pieces) {
        StringBuilder sse = new StringBuilder(openAiChunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
        for (String piece : pieces) {
            sse.append(openAiChunk("{\"content\":" + quote(piece) + "}", null));
        }
        return sse.toString();
    }

    static String openAiChunk(String delta, String finishReason) {
        return "data: {\"id\":\"" + OPENAI_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":1741570283,\"model\":\""
                + OPENAI_MODEL + "\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":"
                + delta + ",\"logprobs\":null,\"finish_reason\":" + quote(finishReason) + "}],\"usage\":null}\n\n";
    }

    static String anthropicMessage(String text) {
        return """
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"%s",
                 "content":[{"type":"text","text":%s}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":6,"service_tier":"standard"}}
                """.formatted(ANTHROPIC_MODEL, quote(text));
    }

    static String anthropicError(String type, String message) {
        return """
                {"type":"error","error":{"type":%s,"message":%s},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}
                """.formatted(quote(type), quote(message));
    }

    /** A text-only Anthropic stream, event by event as the Messages API sends it. */
    static String anthropicStream(String... pieces) {
        StringBuilder sse = new StringBuilder();
        sse.append(anthropicEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"" + ANTHROPIC_MODEL + "\",\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}"));
        sse.append(anthropicEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        sse.append(anthropicEvent("ping", "{\"type\": \"ping\"}"));
        for (String piece : pieces) {
            sse.append(anthropicEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                    + quote(piece) + "}}"));
        }
        sse.append(anthropicEvent("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        sse.append(anthropicEvent("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}"));
        sse.append(anthropicEvent("message_stop", "{\"type\":\"message_stop\"}"));
        return sse.toString();
    }

    static String anthropicEvent(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    /** A test resource under {@code src/test/resources/ai/}. */
    static String resource(String name) {
        try (InputStream in = ProviderWire.class.getResourceAsStream("/ai/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource ai/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode json(String text) {
        try {
            return (ObjectNode) GatewayFixture.JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return s == null ? "null" : GatewayFixture.JSON.getNodeFactory().textNode(s).toString();
    }
}
