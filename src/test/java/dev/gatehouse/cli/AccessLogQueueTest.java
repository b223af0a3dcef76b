package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.gatehouse.ops.PollingAsyncAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** logback.xml's access log: queued (the request never waits for the console), never lossy, drained on stop (PollingAsyncAppenderTest: the queue itself). */
class AccessLogQueueTest {

    @Test
    void accessLinesGoThroughAQueueThatDropsNothingAndOtherLinesStaySynchronous() throws Exception {
        LoggerContext context = configured("text");
        try {
            Logger access = context.getLogger("dev.gatehouse.access");
            var queue = (PollingAsyncAppender) access.getAppender("access");

            assertThat(queue).as("the access logger's own appender").isNotNull();
            assertThat(queue.isStarted()).isTrue();
            assertThat(queue.getQueueSize()).isEqualTo(8192);
            assertThat(queue.getPollInterval().getMilliseconds()).as("a line waits at most about this for the console").isEqualTo(10);
            assertThat(access.isAdditive()).as("not also written synchronously through root").isFalse();
            assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("console"))
                    .as("WARN and ERROR lines are written synchronously").isInstanceOf(ch.qos.logback.core.ConsoleAppender.class);
        } finally {
            context.stop();
        }
    }

    @Test
    void everyQueuedAccessLineIsWrittenOnceWhenLoggingStops() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            LoggerContext context = configured("json");
            for (int i = 0; i < 2_000; i++) {
                MDC.put("request_id", "req_queue_" + i);
                context.getLogger("dev.gatehouse.access").info("POST /webhooks/stripe 200 {} ms", i);
                MDC.clear();
            }
            LogFormat.stop(context); // what the serve command does at shutdown
        } finally {
            System.setErr(original);
        }

        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("req_queue_")).toList();
        assertThat(lines).hasSize(2_000);
        assertThat(lines.getFirst()).contains("\"request_id\":\"req_queue_0\"");
        assertThat(lines.getLast()).contains("\"request_id\":\"req_queue_1999\"");
    }

    private static LoggerContext configured(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        context.putProperty("GATEHOUSE_LOG_FORMAT", format);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(AccessLogQueueTest.class.getResource("/logback.xml"));
        return context;
    }
}
