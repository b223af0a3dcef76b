package dev.gatehouse.ai.stream;

import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.chat.OpenAiRelay;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Carries one attempt's OpenAI chunks to the caller's {@link SseSink} as they come, whatever the
 * upstream: names the public alias as the model, drops upstream usage from chunks (the caller gets
 * one usage chunk at the end, only if it asked), and counts the text it relays so a cut stream can
 * still be charged. Nothing is buffered but a leading role-only chunk, held back until real content
 * arrives so that an upstream failing right after its first event can still fall back.
 */
public final class StreamRelay {
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private final SseSink sink;
    private final ChatRequest request;
    private List<byte[]> held;
    private boolean committed;
    /** Set by an upstream reader that calls {@link #flush} before it waits for more (see {@link #coalesce}). */
    private boolean coalescing;
    private boolean unflushed;
    private String id;
    private long created;
    private int upstreamPromptTokens = -1;
    private int upstreamCompletionTokens = -1;
    private int relayedCompletionTokens;

    public StreamRelay(SseSink sink, ChatRequest request) {
        this.sink = sink;
        this.request = request;
    }

    /** Relays one chunk built or translated as a tree. Throws {@link CallerGone} when the caller's connection failed. */
    public void chunk(ObjectNode chunk) {
        chunk.put("model", request.alias());
        chunk.remove("usage");
        int tokens = 0;
        boolean finished = false;
        for (JsonNode choice : chunk.path("choices")) {
            tokens += TokenCounter.generated(choice.path("delta"));
            finished |= !choice.path("finish_reason").isNull() && !choice.path("finish_reason").isMissingNode();
        }
        relay(OpenAiJson.bytes(chunk), chunk.path("id").asText(null), chunk.path("created").asLong(Long.MIN_VALUE), tokens, finished);
    }

    /**
     * Relays one chunk an OpenAI-compatible upstream sent, as its bytes already rewritten (model = the
     * alias, no usage). Throws {@link CallerGone} when the caller's connection failed.
     */
    public void chunk(OpenAiRelay.Chunk chunk) {
        relay(chunk.json(), chunk.id(), chunk.created(), chunk.tokens(), chunk.finished());
    }

    /** The public alias every relayed chunk names as its model. */
    public String alias() {
        return request.alias();
    }

    /** @param created {@link Long#MIN_VALUE} when the chunk had none */
    private void relay(byte[] json, String chunkId, long chunkCreated, int tokens, boolean finished) {
        if (id == null) {
            id = chunkId != null ? chunkId : "chatcmpl-" + request.requestId();
            created = chunkCreated != Long.MIN_VALUE ? chunkCreated : OpenAiJson.now();
        }
        relayedCompletionTokens += tokens;
        if (!committed && tokens == 0 && !finished) {
            if (held == null) {
                held = new ArrayList<>(1);
            }
            held.add(json);
            return;
        }
        flushHeld();
        write(json);
    }

    /** Records usage the upstream reported; a negative count means "not in this event". */
    public void upstreamUsage(int promptTokens, int completionTokens) {
        if (promptTokens >= 0) {
            upstreamPromptTokens = promptTokens;
        }
        if (completionTokens >= 0) {
            upstreamCompletionTokens = completionTokens;
        }
    }

    /**
     * The upstream's reader calls {@link #flush} whenever it is about to wait for the upstream: from
     * now on chunks are written without a flush each, so the chunks that arrived together (a burst of
     * tokens, a stalled connection catching up) reach the caller in one write and one flush instead
     * of one per chunk. Nothing waits longer than before: the flush comes before any wait.
     */
    public void coalesce() {
        coalescing = true;
    }

    /** Sends what was written since the last flush. Throws {@link CallerGone} when the caller's connection failed. */
    public void flush() {
        if (unflushed) {
            unflushed = false;
            try {
                sink.flush();
            } catch (IOException e) {
                throw new CallerGone(e);
            }
        }
    }

    /** Whether anything reached the caller: from then on there is no fallback. */
    public boolean committed() {
        return committed;
    }

    /** Ends a finished stream: held chunks, the usage chunk if the caller asked for it, then {@code [DONE]}, and the response. */
    public void finish() {
        flushHeld();
        if (request.includeUsage()) {
            ObjectNode usageChunk = OpenAiJson.chunkWithoutChoices(id == null ? "chatcmpl-" + request.requestId() : id,
                    id == null ? OpenAiJson.now() : created, request.alias());
            usageChunk.set("usage", OpenAiJson.usage(promptTokens(), completionTokens()));
            write(OpenAiJson.bytes(usageChunk));
        }
        sink.ending();
        write(DONE);
        try {
            sink.end();
        } catch (IOException e) {
            throw new CallerGone(e);
        }
    }

    /**
     * Ends a committed stream that the upstream broke: one error event in OpenAI's error shape, and
     * no {@code [DONE]}, so SDKs raise instead of returning a silently truncated answer.
     *
     * @param shuttingDown the gateway ended the stream because the service is stopping, not the provider
     * @return false when the caller was gone too, so the event could not be written
     */
    public boolean fail(boolean shuttingDown) {
        Map<String, Object> error = shuttingDown
                ? Refusal.body("The service is restarting; the answer is incomplete and was charged for what was generated. "
                        + "Retry the request.", "server_error", null, "server_shutting_down")
                : Refusal.body("The model provider failed mid-stream; the answer is incomplete. "
                        + "Quote request id " + request.requestId() + " when reporting it.", "server_error", null, "upstream_error");
        sink.ending();
        try {
            sink.event(OpenAiJson.MAPPER.writeValueAsBytes(error));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int promptTokens() {
        return upstreamPromptTokens >= 0 ? upstreamPromptTokens : TokenCounter.prompt(request.body());
    }

    /** The upstream's count when it gave one (a finished stream), else the tokens of the text relayed so far. */
    public int completionTokens() {
        return upstreamCompletionTokens >= 0 ? upstreamCompletionTokens : relayedCompletionTokens;
    }

    public TokenSource tokenSource() {
        return upstreamPromptTokens >= 0 && upstreamCompletionTokens >= 0 ? TokenSource.UPSTREAM : TokenSource.TOKENIZER;
    }

    private void flushHeld() {
        if (held != null) {
            List<byte[]> chunks = held;
            held = null;
            for (byte[] chunk : chunks) {
                write(chunk);
            }
        }
    }

    private void write(byte[] event) {
        committed = true;
        try {
            if (coalescing) {
                sink.eventUnflushed(event);
                unflushed = true;
            } else {
                sink.event(event);
            }
        } catch (IOException e) {
            throw new CallerGone(e);
        }
    }
}
