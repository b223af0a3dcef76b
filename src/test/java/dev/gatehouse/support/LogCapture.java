package dev.gatehouse.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Everything logged while it is open, as the JSON log renders it (message, MDC, stack traces) but
 * without the masking decorator, so a secret that reached a logger shows. The service's own loggers
 * go down to TRACE meanwhile.
 */
public final class LogCapture implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    private final Logger root;
    private final Logger access;
    private final Logger service;
    private final Level serviceLevel;

    public LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.start();
        appender.setContext(context);
        appender.setName("capture");
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        access = context.getLogger("dev.gatehouse.access"); // its own appender, not root's (logback.xml)
        access.addAppender(appender);
        service = context.getLogger("dev.gatehouse");
        serviceLevel = service.getLevel();
        service.setLevel(Level.TRACE);
    }

    public String text() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        access.detachAppender(appender);
        appender.stop();
        service.setLevel(serviceLevel);
    }
}
