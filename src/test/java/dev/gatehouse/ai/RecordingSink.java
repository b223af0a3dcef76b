package dev.gatehouse.ai;

import dev.gatehouse.ai.stream.SseSink;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory caller: records each event's data, and can play a caller that disconnects after some events. */
final class RecordingSink implements SseSink {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final int disconnectAfter;

    private RecordingSink(int disconnectAfter) {
        this.disconnectAfter = disconnectAfter;
    }

    static RecordingSink recording() {
        return new RecordingSink(-1);
    }

    /** Accepts {@code events} events; the next write fails as a write to a closed socket does. */
    static RecordingSink disconnectingAfter(int events) {
        return new RecordingSink(events);
    }

    @Override
    public void event(byte[] data) throws IOException {
        if (disconnectAfter >= 0 && events.size() >= disconnectAfter) {
            throw new IOException("Broken pipe");
        }
        events.add(new String(data, StandardCharsets.UTF_8));
    }

    List<String> events() {
        return events;
    }

    /** Every event but {@code [DONE]}, parsed: each must be whole JSON. */
    List<JsonNode> json() {
        return events.stream().filter(e -> !e.equals("[DONE]")).map(ProviderWire::json).map(JsonNode.class::cast).toList();
    }

    /** The assistant text the caller received, chunk contents joined. */
    String content() {
        StringBuilder text = new StringBuilder();
        for (JsonNode event : json()) {
            for (JsonNode choice : event.path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    boolean endedWithDone() {
        return !events.isEmpty() && events.getLast().equals("[DONE]");
    }
}
