package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded OpenAI-compatible upstream bodies as providers write them: {@code chat.completion}s and
 * {@code chat.completion.chunk}s with tool calls, logprobs, reasoning, unicode and escapes, usage
 * present, partial, null or absent, Groq's {@code x_groq}, unknown fields, shuffled field order,
 * compact or pretty, non-ASCII raw or escaped.
 */
public final class UpstreamBodies {
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final String[] WORDS = {"Hello", "world", "naïve", "café", "日本語", "emoji 🚀🎉", "quote \"q\"", "back\\slash",
            "new\nline", "tab\tbed", "control \u0001", "</script>", "\u2028sep", "ünïcödé", "{\"json\":[1,2]}", ""};
    private final Random random;

    public UpstreamBodies(long seed) {
        this.random = new Random(seed);
    }

    /** A successful completion; usage is missing or not countable about one time in five. */
    public byte[] completion() {
        ObjectNode body = OpenAiJson.NODES.objectNode();
        List<Runnable> fields = new ArrayList<>();
        fields.add(() -> body.put("id", "chatcmpl-" + random.nextInt(1_000_000)));
        fields.add(() -> body.put("object", "chat.completion"));
        fields.add(() -> body.put("created", 1_700_000_000L + random.nextInt(10_000_000)));
        if (random.nextInt(10) > 0) {
            fields.add(() -> body.put("model", random.nextBoolean() ? "gpt-4o-mini-2024-07-18" : "llama-3.3-70b-versatile"));
        }
        fields.add(() -> {
            ArrayNode choices = body.putArray("choices");
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                ObjectNode choice = choices.addObject();
                choice.put("index", i);
                choice.set("message", message(false));
                choice.set("logprobs", random.nextBoolean() ? OpenAiJson.NODES.nullNode() : logprobs());
                choice.put("finish_reason", random.nextBoolean() ? "stop" : "tool_calls");
            }
        });
        switch (random.nextInt(10)) {
            case 0 -> { }
            case 1 -> fields.add(() -> body.putNull("usage"));
            case 2 -> fields.add(() -> body.putObject("usage").put("prompt_tokens", 5).put("total_tokens", 5));
            default -> fields.add(() -> body.set("usage", usage()));
        }
        if (random.nextInt(4) == 0) {
            fields.add(() -> body.putObject("x_groq").put("id", "req_" + random.nextInt(1000)));
        }
        extras(body, fields);
        Collections.shuffle(fields, random);
        fields.forEach(Runnable::run);
        return write(body);
    }

    /** A stream event's data: mostly content deltas, some tool call deltas, finish and usage-only chunks. */
    public byte[] chunk() {
        ObjectNode chunk = OpenAiJson.NODES.objectNode();
        List<Runnable> fields = new ArrayList<>();
        if (random.nextInt(10) > 0) {
            fields.add(() -> chunk.put("id", "chatcmpl-" + random.nextInt(1_000_000)));
        }
        fields.add(() -> chunk.put("object", "chat.completion.chunk"));
        switch (random.nextInt(8)) {
            case 0 -> { }
            case 1 -> fields.add(() -> chunk.putNull("created"));
            default -> fields.add(() -> chunk.put("created", 1_700_000_000L + random.nextInt(10_000_000)));
        }
        if (random.nextInt(10) > 0) {
            fields.add(() -> chunk.put("model", "gpt-4o-mini-2024-07-18"));
        }
        boolean usageOnly = random.nextInt(6) == 0;
        fields.add(() -> {
            ArrayNode choices = chunk.putArray("choices");
            int n = usageOnly ? 0 : random.nextInt(5) == 0 ? 2 : 1;
            for (int i = 0; i < n; i++) {
                ObjectNode choice = choices.addObject();
                choice.put("index", i);
                choice.set("delta", message(true));
                if (random.nextInt(3) > 0) {
                    choice.set("logprobs", random.nextBoolean() ? OpenAiJson.NODES.nullNode() : logprobs());
                }
                switch (random.nextInt(4)) {
                    case 0 -> { }
                    case 1 -> choice.put("finish_reason", "stop");
                    default -> choice.putNull("finish_reason");
                }
            }
        });
        switch (random.nextInt(5)) {
            case 0 -> { }
            case 1 -> fields.add(() -> chunk.set("usage", usage()));
            default -> fields.add(() -> chunk.putNull("usage"));
        }
        if (random.nextInt(4) == 0) {
            fields.add(() -> {
                ObjectNode groq = chunk.putObject("x_groq");
                groq.put("id", "req_" + random.nextInt(1000));
                if (random.nextBoolean()) {
                    groq.set("usage", usage());
                }
            });
        }
        extras(chunk, fields);
        Collections.shuffle(fields, random);
        fields.forEach(Runnable::run);
        return write(chunk);
    }

    private ObjectNode message(boolean delta) {
        ObjectNode message = OpenAiJson.NODES.objectNode();
        if (!delta || random.nextInt(4) == 0) {
            message.put("role", "assistant");
        }
        int kind = random.nextInt(5);
        if (kind < 3) {
            message.put("content", text());
        } else if (!delta) {
            message.putNull("content");
        }
        if (random.nextInt(5) == 0) {
            message.put(random.nextBoolean() ? "reasoning" : "reasoning_content", text());
        }
        if (!delta) {
            message.putNull("refusal");
            message.putArray("annotations");
        }
        if (kind >= 3) {
            ArrayNode calls = message.putArray("tool_calls");
            int n = 1 + random.nextInt(2);
            for (int i = 0; i < n; i++) {
                ObjectNode call = calls.addObject();
                call.put("index", i);
                call.put("id", "call_" + random.nextInt(100_000));
                call.put("type", "function");
                ObjectNode function = call.putObject("function");
                function.put("name", "get_weather");
                ObjectNode arguments = OpenAiJson.NODES.objectNode().put("city", text()).put("days", random.nextInt(9));
                arguments.putArray("units").add("°C").add(random.nextDouble());
                function.put("arguments", arguments.toString());
            }
        }
        return message;
    }

    private ObjectNode logprobs() {
        ObjectNode logprobs = OpenAiJson.NODES.objectNode();
        ArrayNode content = logprobs.putArray("content");
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            ObjectNode token = content.addObject();
            token.put("token", text());
            token.put("logprob", -random.nextDouble() * 5);
            ArrayNode bytes = token.putArray("bytes");
            for (int b = 0; b < 3; b++) {
                bytes.add(random.nextInt(256));
            }
            ArrayNode top = token.putArray("top_logprobs");
            top.addObject().put("token", "x").put("logprob", -1.5e-7).putArray("bytes").add(120);
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    private ObjectNode usage() {
        int prompt = random.nextInt(5_000);
        int completion = random.nextInt(2_000);
        ObjectNode usage = OpenAiJson.NODES.objectNode();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        if (random.nextBoolean()) {
            usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
            usage.putObject("completion_tokens_details").put("reasoning_tokens", random.nextInt(100)).put("accepted_prediction_tokens", 0);
        }
        if (random.nextInt(4) == 0) {
            usage.put("queue_time", random.nextDouble()).put("total_time", 0.123);
        }
        return usage;
    }

    /** Fields no relay knows: they must pass through untouched. */
    private void extras(ObjectNode body, List<Runnable> fields) {
        if (random.nextBoolean()) {
            fields.add(() -> body.put("system_fingerprint", "fp_" + Integer.toHexString(random.nextInt())));
        }
        if (random.nextInt(3) == 0) {
            fields.add(() -> body.put("service_tier", "default"));
        }
        if (random.nextInt(4) == 0) {
            fields.add(() -> body.putObject("provider_extra").put("note", text()).put("big", Long.MAX_VALUE)
                    .put("ratio", 1e-300).putArray("nested").addArray().addObject().put("model", "not-top-level"));
        }
    }

    private String text() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1 + random.nextInt(12); i++) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return text.toString();
    }

    private byte[] write(ObjectNode body) {
        try {
            ObjectMapper mapper = random.nextInt(4) == 0 ? ESCAPING : OpenAiJson.MAPPER;
            return random.nextInt(3) == 0 ? mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(body) : mapper.writeValueAsBytes(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
