package dev.gatehouse.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.gatehouse.config.ConfigException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code GATEHOUSE_LOG_LEVEL} from the merged environment ({@code .env} included). logback's own
 * {@code ${GATEHOUSE_LOG_LEVEL}} in logback.xml sees only the process environment, so the level is set here.
 */
public final class LogLevel {
    static final String ENV = "GATEHOUSE_LOG_LEVEL";
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private LogLevel() {}

    public static void apply(Map<String, String> env) {
        String value = env.get(ENV);
        if (value == null || value.isBlank()) {
            return;
        }
        String level = value.strip().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new ConfigException(List.of(ENV + " must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, got '" + value + "'"));
        }
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.toLevel(level));
        }
    }
}
