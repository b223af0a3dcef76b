package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.util.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The access log's queue: written in order by a writer that polls, nothing dropped when full, everything written on stop. */
class PollingAsyncAppenderTest {

    /** Records what reached it, with the MDC value and the thread that wrote it; can be held to play a slow console. */
    private static final class Recording extends AppenderBase<ILoggingEvent> {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        volatile CountDownLatch held;

        @Override
        protected void append(ILoggingEvent event) {
            CountDownLatch h = held;
            if (h != null) {
                try {
                    h.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            lines.add(event.getFormattedMessage() + " " + event.getMDCPropertyMap().get("request_id"));
            threads.add(Thread.currentThread().getName());
        }
    }

    private record Setup(LoggerContext context, Logger logger, PollingAsyncAppender queue, Recording console) {}

    private static Setup setUp(int queueSize) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        Recording console = new Recording();
        console.setContext(context);
        console.start();
        PollingAsyncAppender queue = new PollingAsyncAppender();
        queue.setContext(context);
        queue.setName("access");
        queue.setQueueSize(queueSize);
        queue.setPollInterval(Duration.buildByMilliseconds(10));
        queue.addAppender(console);
        queue.start();
        Logger logger = context.getLogger("dev.gatehouse.access");
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(queue);
        return new Setup(context, logger, queue, console);
    }

    @Test
    void aLineIsWrittenByTheWriterSoonAfterItIsLoggedWithTheMdcOfItsRequest() {
        Setup s = setUp(64);
        try {
            MDC.put("request_id", "req_1");
            s.logger().info("GET /health 200 {} ms", "0.4");
            MDC.clear(); // the request's MDC is gone before the writer runs: the event kept its own copy

            // nothing wakes the writer: it finds the line at its next poll
            await().atMost(java.time.Duration.ofSeconds(2)).untilAsserted(() -> assertThat(s.console().lines).containsExactly("GET /health 200 0.4 ms req_1"));
            assertThat(s.console().threads).containsExactly("log-writer-access");
        } finally {
            s.context().stop();
        }
    }

    @Test
    void aFullQueueMakesTheLoggingThreadsWaitAndNoLineIsLostOrReordered() throws Exception {
        Setup s = setUp(8);
        s.console().held = new CountDownLatch(1); // the console is stuck: the queue fills
        Thread.Builder builder = Thread.ofVirtual();
        Thread logging = builder.start(() -> IntStream.range(0, 200).forEach(i -> s.logger().info("line {}", i)));

        // then: the logging thread waits (8 queued, one being written), it does not drop lines and go on
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> logging.getState() == Thread.State.WAITING);
        assertThat(logging.isAlive()).isTrue();
        s.console().held.countDown();
        logging.join(java.time.Duration.ofSeconds(10));
        s.queue().stop();

        assertThat(s.console().lines).containsExactlyElementsOf(IntStream.range(0, 200).mapToObj(i -> "line " + i + " null").toList());
    }

    @Test
    void stopWritesEveryQueuedLineThenStopsTheAttachedAppenders() {
        Setup s = setUp(8192);
        for (int i = 0; i < 5_000; i++) {
            s.logger().info("line {}", i);
        }

        s.queue().stop();

        assertThat(s.console().lines).hasSize(5_000).startsWith("line 0 null").endsWith("line 4999 null");
        assertThat(s.console().isStarted()).isFalse();
        s.logger().info("after stop"); // not accepted, and it does not block
        assertThat(s.console().lines).hasSize(5_000);
    }

    @Test
    void aQueueWithNothingToWriteToDoesNotStart() {
        LoggerContext context = new LoggerContext();
        PollingAsyncAppender queue = new PollingAsyncAppender();
        queue.setContext(context);
        queue.setName("access");

        queue.start();

        assertThat(queue.isStarted()).isFalse();
        assertThat(context.getStatusManager().getCopyOfStatusList()).anySatisfy(st -> assertThat(st.getMessage()).contains("no appender"));
    }
}
