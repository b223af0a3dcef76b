package dev.gatehouse.ai;

import static dev.gatehouse.ai.GatewayFixture.askStreaming;
import static dev.gatehouse.ai.GatewayFixture.gateway;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.ai.stream.SseSink;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chunks the upstream delivered together reach the caller in one write (one flush), and the caller
 * still gets every chunk whole and in order; chunks that arrive apart are each flushed before the
 * gateway waits for the next (trickling tokens are never held back).
 */
class SseCoalescingTest {
    @RegisterExtension
    final OpenGateways gateways = new OpenGateways();

    /** A caller that records what reached it and each flush (the moment written events leave the buffer). */
    private static final class FlushRecordingSink implements SseSink {
        final List<String> written = new ArrayList<>();
        final List<List<String>> flushes = new ArrayList<>();
        private final List<String> buffered = new ArrayList<>();
        final CountDownLatch firstFlush = new CountDownLatch(1);

        @Override
        public void event(byte[] data) {
            eventUnflushed(data);
            flush();
        }

        @Override
        public void eventUnflushed(byte[] data) {
            String event = new String(data, StandardCharsets.UTF_8);
            written.add(event);
            buffered.add(event);
        }

        @Override
        public void flush() {
            if (!buffered.isEmpty()) {
                flushes.add(List.copyOf(buffered));
                buffered.clear();
                firstFlush.countDown();
            }
        }
    }

    private static String chunks(int from, int to) {
        StringBuilder sse = new StringBuilder();
        for (int i = from; i < to; i++) {
            sse.append(ProviderWire.openAiChunk("{\"content\":\"t" + i + " \"}", null));
        }
        return sse.toString();
    }

    @Test
    void chunksDeliveredTogetherAreWrittenInOneFlushWholeAndInOrder() throws Exception {
        // the upstream sends a role chunk and 12 content chunks in one write, waits, then 12 more, the finish and [DONE]
        // (a fixed length body: each burst is one socket write, not cut into HTTP chunks)
        CountDownLatch secondBurst = new CountDownLatch(1);
        HttpServer bursts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bursts.createContext("/bursts/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            byte[] first = (ProviderWire.openAiChunk("{\"role\":\"assistant\",\"content\":\"\"}", null) + chunks(0, 12))
                    .getBytes(StandardCharsets.UTF_8);
            byte[] second = (chunks(12, 24) + ProviderWire.openAiChunk("{}", "stop") + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, first.length + second.length);
            OutputStream out = exchange.getResponseBody();
            out.write(first);
            out.flush();
            try {
                secondBurst.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(second);
            exchange.close();
        });
        bursts.start();
        try {
            Gateway gateway = gateways.build(gateway()
                    .openAi("bursts", "http://127.0.0.1:" + bursts.getAddress().getPort() + "/bursts/v1")
                    .route("gpt-4o-mini", "bursts"));
            FlushRecordingSink caller = new FlushRecordingSink();
            Thread releaser = Thread.ofVirtual().start(() -> {
                try {
                    // the first burst must have reached the caller before the second is even sent
                    assertThat(caller.firstFlush.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    secondBurst.countDown();
                }
            });

            gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);
            releaser.join();

            // then: every chunk whole (valid JSON), in order, the alias as model, [DONE] last
            List<String> texts = new ArrayList<>();
            for (String event : caller.written.subList(0, caller.written.size() - 1)) {
                JsonNode chunk = ProviderWire.json(event);
                assertThat(chunk.path("model").asText()).isEqualTo("gpt-4o-mini");
                texts.add(chunk.path("choices").path(0).path("delta").path("content").asText(""));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                expected.add("t" + i + " ");
            }
            assertThat(texts.stream().filter(t -> !t.isEmpty()).toList()).isEqualTo(expected);
            assertThat(caller.written.getLast()).isEqualTo("[DONE]");
            // and: one flush per burst the upstream sent (the second carries the end), not one per chunk
            assertThat(caller.flushes).as("flushes: %s", caller.flushes.stream().map(List::size).toList()).hasSize(2);
            assertThat(caller.flushes.getFirst()).hasSize(13); // the role chunk and t0..t11
            assertThat(caller.flushes.stream().mapToInt(List::size).sum()).isEqualTo(caller.written.size());
        } finally {
            bursts.stop(0);
        }
    }

    @Test
    void aChunkThatArrivesAloneIsFlushedBeforeTheGatewayWaitsForTheNext() throws Exception {
        CountDownLatch more = new CountDownLatch(1);
        HttpServer trickle = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        trickle.createContext("/trickle/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(chunks(0, 1).getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                more.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write((ProviderWire.openAiChunk("{}", "stop") + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        trickle.start();
        try {
            Gateway gateway = gateways.build(gateway()
                    .openAi("trickle", "http://127.0.0.1:" + trickle.getAddress().getPort() + "/trickle/v1")
                    .route("gpt-4o-mini", "trickle"));
            FlushRecordingSink caller = new FlushRecordingSink();
            List<Boolean> seenBeforeMore = new ArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    seenBeforeMore.add(caller.firstFlush.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    more.countDown();
                }
            });

            gateway.stream(askStreaming(gateway, "gpt-4o-mini", "Hi", false), caller);

            assertThat(seenBeforeMore).containsExactly(true);
            assertThat(caller.flushes.getFirst()).hasSize(1);
            assertThat(caller.written.getLast()).isEqualTo("[DONE]");
        } finally {
            trickle.stop(0);
        }
    }
}
