package dev.gatehouse.ai.chat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberInput;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Relays an OpenAI-compatible upstream's JSON as bytes with the minimal rewrite, instead of a
 * {@code readTree} and serialise round trip. One pass of Jackson's streaming parser over the
 * upstream's bytes: every top-level field is copied as the upstream wrote it except {@code model},
 * which names the public alias, and in stream chunks {@code usage} and {@code x_groq}, which the
 * caller never sees there. Only what settlement and the relay need is decoded: usage counts, and
 * for chunks the id, created, finish reasons and the deltas' text the relay counts.
 *
 * <p>Values read for settlement follow {@link com.fasterxml.jackson.databind.JsonNode}'s rules, as
 * the tree path did: a completion's usage counts as {@code canConvertToInt}/{@code asInt}, a chunk's as
 * {@code asInt(-1)}, text as {@code asText("")}.
 */
public final class OpenAiRelay {
    private static final JsonFactory JSON = OpenAiJson.MAPPER.getFactory();
    private static final byte[] MODEL_FIELD = "\"model\":\"".getBytes(StandardCharsets.US_ASCII);

    /** Why an upstream's JSON cannot be relayed; the message is for our logs and never holds the body. */
    public static final class NotRelayable extends Exception {
        NotRelayable(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * One {@code chat.completion.chunk} as the caller gets it (model = alias, no usage, no x_groq).
     *
     * @param choices          how many choices it has; -1 when {@code choices} is not an array (not a chunk)
     * @param error            the event carries an {@code error} field: the provider failed mid-stream
     * @param id               the chunk's id, null when it has none
     * @param created          its created time, {@link Long#MIN_VALUE} when it has none
     * @param tokens           tokens of the text its deltas carry
     * @param finished         a choice has a finish reason
     * @param promptTokens     usage the upstream reported in this event (in usage, or Groq's x_groq.usage), -1 for none
     * @param completionTokens likewise
     */
    public record Chunk(byte[] json, int choices, boolean error, String id, long created, int tokens, boolean finished,
            int promptTokens, int completionTokens) {}

    private OpenAiRelay() {}

    /**
     * A completion relayed as the upstream's bytes, model = {@code alias}, when the upstream reported
     * usage; otherwise the parsed tree for the gateway to finish ({@link Answer.Tree}).
     *
     * @throws NotRelayable the body is not JSON, or has no {@code choices[0].message} object
     */
    public static Answer completion(byte[] upstream, String alias) throws NotRelayable {
        Splice out = new Splice(upstream, alias);
        int prompt = -1;
        int completion = -1;
        boolean message = false;
        try (JsonParser p = JSON.createParser(upstream)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotRelayable("a completion without choices[0].message");
            }
            for (String name = out.nextField(p); name != null; name = out.nextField(p)) {
                JsonToken value = p.currentToken();
                switch (name) {
                    case "model" -> out.replaceWithModel(p);
                    case "choices" -> message = firstChoiceHasMessage(p, value);
                    case "usage" -> {
                        prompt = -1;
                        completion = -1;
                        if (value == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String field = p.currentName();
                                JsonToken count = p.nextToken();
                                if (field.equals("prompt_tokens")) {
                                    prompt = convertibleInt(p, count);
                                } else if (field.equals("completion_tokens")) {
                                    completion = convertibleInt(p, count);
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new NotRelayable("a body that is not JSON");
        }
        if (!message) {
            throw new NotRelayable("a completion without choices[0].message");
        }
        if (prompt < 0 || completion < 0) {
            // Rare: the gateway counts usage itself and adds it, so this one answer is built as a tree.
            try {
                return new Answer.Tree((ObjectNode) OpenAiJson.MAPPER.readTree(upstream));
            } catch (IOException e) {
                throw new NotRelayable("a body that is not JSON");
            }
        }
        return new Answer.Relayed(out.bytes(), prompt, completion);
    }

    /**
     * One stream event's data relayed as bytes (see {@link Chunk}).
     *
     * @throws NotRelayable the data is not JSON
     */
    public static Chunk chunk(byte[] upstream, String alias) throws NotRelayable {
        Splice out = new Splice(upstream, alias);
        int choices = -1;
        boolean error = false;
        String id = null;
        long created = Long.MIN_VALUE;
        int tokens = 0;
        boolean finished = false;
        int[] usage = null;
        int[] groqUsage = null;
        try (JsonParser p = JSON.createParser(upstream)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                for (String name = out.nextField(p); name != null; name = out.nextField(p)) {
                    JsonToken value = p.currentToken();
                    switch (name) {
                        case "model" -> out.replaceWithModel(p);
                        case "usage" -> {
                            out.drop();
                            usage = value == JsonToken.START_OBJECT ? usage(p) : null;
                            p.skipChildren();
                        }
                        case "x_groq" -> {
                            out.drop();
                            groqUsage = null;
                            if (value == JsonToken.START_OBJECT) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    boolean isUsage = p.currentName().equals("usage");
                                    if (p.nextToken() == JsonToken.START_OBJECT && isUsage) {
                                        groqUsage = usage(p);
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            }
                        }
                        case "choices" -> {
                            if (value == JsonToken.START_ARRAY) {
                                choices = 0;
                                tokens = 0;
                                finished = false;
                                for (JsonToken choice = p.nextToken(); choice != JsonToken.END_ARRAY; choice = p.nextToken()) {
                                    choices++;
                                    if (choice == JsonToken.START_OBJECT) {
                                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                                            String field = p.currentName();
                                            JsonToken v = p.nextToken();
                                            if (field.equals("delta") && v == JsonToken.START_OBJECT) {
                                                tokens += generated(p);
                                            } else {
                                                finished |= field.equals("finish_reason") && v != JsonToken.VALUE_NULL;
                                                p.skipChildren();
                                            }
                                        }
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            } else {
                                choices = -1;
                                p.skipChildren();
                            }
                        }
                        case "error" -> {
                            error = true;
                            p.skipChildren();
                        }
                        case "id" -> id = text(p, value, null);
                        case "created" -> created = asLong(p, value);
                        default -> p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            throw new NotRelayable("a stream event that is not JSON");
        }
        int[] reported = usage != null ? usage : groqUsage;
        return new Chunk(choices < 0 ? null : out.bytes(), choices, error, id, created, tokens, finished,
                reported == null ? -1 : reported[0], reported == null ? -1 : reported[1]);
    }

    /** Whether the value at {@code p} (choices) is an array whose first element has a {@code message} object; consumes it. */
    private static boolean firstChoiceHasMessage(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            p.skipChildren();
            return false;
        }
        boolean message = false;
        JsonToken first = p.nextToken();
        if (first == JsonToken.END_ARRAY) {
            return false;
        }
        if (first == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean isMessage = p.currentName().equals("message");
                boolean isObject = p.nextToken() == JsonToken.START_OBJECT;
                if (isMessage) {
                    message = isObject; // a repeated key: the last one counts, as in a tree
                }
                p.skipChildren();
            }
        } else {
            p.skipChildren();
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
        }
        return message;
    }

    /** A usage object's prompt and completion counts as {@code asInt(-1)} reads them; consumes the object. */
    private static int[] usage(JsonParser p) throws IOException {
        int[] counts = {-1, -1};
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            int slot = field.equals("prompt_tokens") ? 0 : field.equals("completion_tokens") ? 1 : -1;
            if (slot >= 0) {
                counts[slot] = asInt(p, value);
            } else {
                p.skipChildren();
            }
        }
        return counts;
    }

    /** Tokens of a delta's text, as {@link TokenCounter#generated} counts a tree; consumes the delta object. */
    private static int generated(JsonParser p) throws IOException {
        int tokens = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("tool_calls") && (value == JsonToken.START_ARRAY || value == JsonToken.START_OBJECT)) {
                // A tree iterates an array's elements and an object's values alike.
                JsonToken end = value == JsonToken.START_ARRAY ? JsonToken.END_ARRAY : JsonToken.END_OBJECT;
                for (JsonToken call = p.nextToken(); call != end; call = p.nextToken()) {
                    if (call == JsonToken.FIELD_NAME) {
                        continue;
                    }
                    if (call == JsonToken.START_OBJECT) {
                        tokens += functionTokens(p);
                    } else {
                        p.skipChildren();
                    }
                }
            } else if (TokenCounter.GENERATED_TEXT_FIELDS.contains(field)) {
                tokens += TokenCounter.count(text(p, value, ""));
            } else {
                p.skipChildren();
            }
        }
        return tokens;
    }

    /** Tokens of one tool call's function name and arguments; consumes the call object. */
    private static int functionTokens(JsonParser p) throws IOException {
        int tokens = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean function = p.currentName().equals("function");
            if (p.nextToken() == JsonToken.START_OBJECT && function) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (TokenCounter.TOOL_CALL_FUNCTION_FIELDS.contains(field)) {
                        tokens += TokenCounter.count(text(p, value, ""));
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return tokens;
    }

    /** {@code asText(missing)}: a scalar's text, "" for a container (consumed), {@code missing} for null. */
    private static String text(JsonParser p, JsonToken value, String missing) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return missing;
        }
        if (value.isStructStart()) {
            p.skipChildren();
            return "";
        }
        return p.getText();
    }

    /** {@code asInt(-1)}. */
    private static int asInt(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue().intValue();
            case VALUE_STRING -> NumberInput.parseAsInt(p.getText(), -1);
            case VALUE_TRUE -> 1;
            case VALUE_FALSE -> 0;
            default -> {
                p.skipChildren();
                yield -1;
            }
        };
    }

    /** {@code asLong(MIN_VALUE)}, MIN_VALUE standing for "none". */
    private static long asLong(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue().longValue();
            case VALUE_STRING -> NumberInput.parseAsLong(p.getText(), Long.MIN_VALUE);
            case VALUE_TRUE -> 1;
            case VALUE_FALSE -> 0;
            default -> {
                p.skipChildren();
                yield Long.MIN_VALUE;
            }
        };
    }

    /** {@code canConvertToInt() ? asInt() : -1}. */
    private static int convertibleInt(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
            double number = p.getNumberValue().doubleValue();
            if (number >= Integer.MIN_VALUE && number <= Integer.MAX_VALUE) {
                return p.getNumberValue().intValue();
            }
            return -1;
        }
        p.skipChildren();
        return -1;
    }

    /**
     * The relayed object: the upstream's top-level fields, each copied as its bytes (from its name to
     * the end of its value), joined by commas; {@code model} replaced by the alias, dropped fields left out.
     */
    private static final class Splice {
        private static final int MODEL = -1;
        private static final int DROPPED = -2;
        private final byte[] in;
        private final String alias;
        private int[] spans = new int[32];
        private int count;
        private boolean hasModel;

        Splice(byte[] in, String alias) {
            this.in = in;
            this.alias = alias;
        }

        /**
         * Moves to the object's next field (the previous one ends before it) and returns its name,
         * the parser at its value; null at the object's closing brace.
         */
        String nextField(JsonParser p) throws IOException {
            boolean more = p.nextToken() == JsonToken.FIELD_NAME;
            close(offset(p));
            if (!more) {
                return null;
            }
            add(offset(p), 0);
            String name = p.currentName();
            p.nextToken();
            return name;
        }

        /** The current field is the model: the alias stands in its place. */
        void replaceWithModel(JsonParser p) throws IOException {
            spans[count - 2] = MODEL;
            hasModel = true;
            p.skipChildren();
        }

        void drop() {
            spans[count - 2] = DROPPED;
        }

        byte[] bytes() {
            byte[] model = modelField();
            int size = 2;
            int fields = 0;
            for (int i = 0; i < count; i += 2) {
                int length = spans[i] == MODEL ? model.length : spans[i] == DROPPED ? -1 : spans[i + 1] - spans[i];
                if (length >= 0) {
                    size += length + (fields++ > 0 ? 1 : 0);
                }
            }
            if (!hasModel) {
                size += model.length + (fields > 0 ? 1 : 0);
            }
            byte[] out = new byte[size];
            int at = 0;
            out[at++] = '{';
            boolean first = true;
            for (int i = 0; i < count; i += 2) {
                if (spans[i] == DROPPED) {
                    continue;
                }
                if (!first) {
                    out[at++] = ',';
                }
                first = false;
                if (spans[i] == MODEL) {
                    System.arraycopy(model, 0, out, at, model.length);
                    at += model.length;
                } else {
                    System.arraycopy(in, spans[i], out, at, spans[i + 1] - spans[i]);
                    at += spans[i + 1] - spans[i];
                }
            }
            if (!hasModel) {
                if (!first) {
                    out[at++] = ',';
                }
                System.arraycopy(model, 0, out, at, model.length);
                at += model.length;
            }
            out[at] = '}';
            return out;
        }

        private byte[] modelField() {
            byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(alias);
            byte[] field = Arrays.copyOf(MODEL_FIELD, MODEL_FIELD.length + escaped.length + 1);
            System.arraycopy(escaped, 0, field, MODEL_FIELD.length, escaped.length);
            field[field.length - 1] = '"';
            return field;
        }

        private static int offset(JsonParser p) {
            return (int) p.currentTokenLocation().getByteOffset();
        }

        /** Ends the open field's span before {@code next} (the next name or the closing brace), less the comma and blanks between. */
        private void close(int next) {
            if (count == 0) {
                return;
            }
            int end = next;
            while (end > 0 && blank(in[end - 1])) {
                end--;
            }
            if (end > 0 && in[end - 1] == ',') {
                end--;
                while (end > 0 && blank(in[end - 1])) {
                    end--;
                }
            }
            spans[count - 1] = end;
        }

        private void add(int start, int end) {
            if (count == spans.length) {
                spans = Arrays.copyOf(spans, count * 2);
            }
            spans[count++] = start;
            spans[count++] = end;
        }

        private static boolean blank(byte b) {
            return b == ' ' || b == '\n' || b == '\r' || b == '\t';
        }
    }
}
