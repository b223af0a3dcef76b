package dev.gatehouse.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.gatehouse.config.ConfigException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Chooses the log format from the merged environment ({@code .env} included, which logback's own
 * {@code ${...}} cannot see): {@code GATEHOUSE_LOG_FORMAT} {@code json} or {@code text}; unset, JSON in
 * production (what a log pipeline parses) and text in dev (what a person reads). Applied once, by
 * the process's {@code main}, before anything is logged that matters.
 */
public final class LogFormat {
    static final String ENV = "GATEHOUSE_LOG_FORMAT";
    static final String ACCESS_LEVEL = "GATEHOUSE_ACCESS_LOG_LEVEL";
    private static final String ACCESS_LOGGER = "dev.gatehouse.access";

    private LogFormat() {}

    public static void apply(Map<String, String> env) {
        String value = env.get(ENV);
        String format = value == null || value.isBlank() ? (production(env) ? "json" : "text") : value.strip().toLowerCase(Locale.ROOT);
        if (!format.equals("json") && !format.equals("text")) {
            throw new ConfigException(List.of(ENV + " must be 'json' or 'text', got '" + value + "'"));
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext logback)) {
            return;
        }
        String configured = System.getProperty(ENV, System.getenv(ENV));
        String access = env.get(ACCESS_LEVEL);
        if (format.equals(configured == null ? "text" : configured.strip().toLowerCase(Locale.ROOT))
                && (access == null || access.equals(System.getenv(ACCESS_LEVEL)))) {
            return; // logback.xml already read the same choice from the process environment
        }
        // logback.xml reads system properties before the process environment: re-read it with the choice.
        System.setProperty(ENV, format);
        if (access != null && !access.isBlank()) {
            System.setProperty(ACCESS_LEVEL, access.strip());
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(logback);
        drainAccessLog(logback);
        logback.reset();
        try {
            configurator.doConfigure(LogFormat.class.getResource("/logback.xml"));
        } catch (JoranException e) {
            throw new IllegalStateException("logback.xml cannot be read", e);
        }
    }

    /**
     * Stops logging: drains the access log's queue (logback.xml's {@code access}, at most its
     * {@code maxFlushTime}) and closes the appenders. For the end of a process, after its last line.
     */
    public static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            stop(logback);
        }
    }

    /** As {@link #stop()}, for {@code logback}. */
    public static void stop(LoggerContext logback) {
        drainAccessLog(logback);
        logback.stop();
    }

    /**
     * Writes the access log's queued lines while the console still runs: the context's own reset
     * stops root's appenders (the console) before the access logger's queue, whose lines then
     * have nowhere to go.
     */
    private static void drainAccessLog(LoggerContext logback) {
        var queue = logback.getLogger(ACCESS_LOGGER).getAppender("access");
        if (queue != null) {
            queue.stop();
        }
    }

    /** The same rule as Settings: production when GATEHOUSE_MODE says so, or when a DATABASE_URL is set without it. */
    private static boolean production(Map<String, String> env) {
        String mode = env.get("GATEHOUSE_MODE");
        if (mode != null && !mode.isBlank()) {
            return mode.strip().equals("production");
        }
        String url = env.get("DATABASE_URL");
        return url != null && !url.isBlank();
    }
}
