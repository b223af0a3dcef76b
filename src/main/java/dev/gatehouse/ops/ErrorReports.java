package dev.gatehouse.ops;

import dev.gatehouse.redaction.Secrets;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.sentry.Breadcrumb;
import io.sentry.Sentry;
import io.sentry.SentryEvent;
import io.sentry.logback.SentryAppender;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors to Sentry (sentry-java) when {@code SENTRY_DSN} is set: every ERROR log line becomes an
 * event, the INFO and WARN lines before it its breadcrumbs, each scrubbed of credential shapes in
 * {@code beforeSend}/{@code beforeBreadcrumb} by the same {@link Secrets} the JSON logs use. No
 * request bodies or headers are attached (sendDefaultPii off; the service never logs them).
 */
public final class ErrorReports implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ErrorReports.class);
    private static final String APPENDER = "SENTRY";
    private final SentryAppender appender;

    private ErrorReports(SentryAppender appender) {
        this.appender = appender;
    }

    /** Starts reporting to {@code dsn}; null: reports nothing and returns an instance whose close does nothing. */
    public static ErrorReports start(String dsn, String environment) {
        if (dsn == null || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext logback)) {
            return new ErrorReports(null);
        }
        Sentry.init(options -> {
            options.setDsn(dsn);
            options.setEnvironment(environment);
            options.setSendDefaultPii(false);
            options.setEnableUncaughtExceptionHandler(false); // the service logs what it does not handle; logged errors are reported
            options.setBeforeSend((event, hint) -> scrub(event));
            options.setBeforeBreadcrumb((breadcrumb, hint) -> scrub(breadcrumb));
        });
        SentryAppender appender = new SentryAppender();
        appender.setName(APPENDER);
        appender.setContext(logback);
        appender.setMinimumEventLevel(Level.ERROR);
        appender.setMinimumBreadcrumbLevel(Level.INFO);
        appender.start();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        log.info("errors are reported to Sentry (environment {})", environment);
        return new ErrorReports(appender);
    }

    static SentryEvent scrub(SentryEvent event) {
        Message message = event.getMessage();
        if (message != null) {
            message.setMessage(Secrets.scrub(message.getMessage()));
            message.setFormatted(Secrets.scrub(message.getFormatted()));
            if (message.getParams() != null) {
                message.setParams(message.getParams().stream().map(Secrets::scrub).toList());
            }
        }
        if (event.getExceptions() != null) {
            for (SentryException e : event.getExceptions()) {
                e.setValue(Secrets.scrub(e.getValue()));
            }
        }
        if (event.getBreadcrumbs() != null) {
            event.getBreadcrumbs().forEach(ErrorReports::scrub);
        }
        if (event.getTags() != null) {
            event.getTags().replaceAll((k, v) -> Secrets.scrub(v));
        }
        if (event.getExtras() != null) {
            event.getExtras().replaceAll((k, v) -> v instanceof String s ? Secrets.scrub(s) : v);
        }
        for (Map.Entry<String, Object> context : event.getContexts().entrySet()) {
            if (context.getValue() instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> values = (Map<Object, Object>) map;
                values.replaceAll((k, v) -> v instanceof String s ? Secrets.scrub(s) : v);
            }
        }
        return event;
    }

    static Breadcrumb scrub(Breadcrumb breadcrumb) {
        breadcrumb.setMessage(Secrets.scrub(breadcrumb.getMessage()));
        breadcrumb.getData().replaceAll((k, v) -> v instanceof String s ? Secrets.scrub(s) : v);
        return breadcrumb;
    }

    /** Sends what is queued (bounded by Sentry's flush timeout) and stops reporting. */
    @Override
    public void close() {
        if (appender == null) {
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        }
        appender.stop();
        Sentry.close();
    }
}
