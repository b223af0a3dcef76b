package dev.gatehouse.email;

import dev.gatehouse.jobs.Backoff;
import dev.gatehouse.jobs.DurableQueue;
import dev.gatehouse.jobs.QueueEvents;
import dev.gatehouse.jobs.QueueRunner;
import dev.gatehouse.jobs.QueueStats;
import dev.gatehouse.jobs.QueueTable;
import dev.gatehouse.jobs.QueueWorker;
import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox worker as the service runs it: {@code private.email_outbox} drained through the shared
 * queue mechanism, rendered by {@link Templates}, delivered by Resend or, without a key, the dev
 * file mailbox.
 */
public final class EmailOutbox implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmailOutbox.class);
    /** Rows claimed per round trip. */
    private static final int BATCH = 32;

    private final QueueRunner<OutboxRow> runner;

    private EmailOutbox(QueueRunner<OutboxRow> runner) {
        this.runner = runner;
    }

    public static EmailOutbox start(DataSource db, EmailSettings settings) {
        return start(db, settings, QueueEvents.NONE);
    }

    /** @param events told each delivery attempt's result by template (metrics, readiness) */
    public static EmailOutbox start(DataSource db, EmailSettings settings, QueueEvents events) {
        MailSender sender = settings.devMailbox()
                ? new FileMailbox(settings.mailbox())
                : new ResendSender(ResendSender.defaultHttpClient(), settings.resendBaseUrl(), settings.resendApiKey(),
                        settings.ratePerSecond(), Clock.systemUTC());
        return start(db, settings, sender, events);
    }

    public static EmailOutbox start(DataSource db, EmailSettings settings, MailSender sender) {
        return start(db, settings, sender, QueueEvents.NONE);
    }

    public static EmailOutbox start(DataSource db, EmailSettings settings, MailSender sender, QueueEvents events) {
        OutboxDelivery delivery = new OutboxDelivery(new Templates(), sender,
                settings.twilio() == null ? null : new TwilioSender(ResendSender.defaultHttpClient(), settings.twilio()), settings);
        QueueRunner<OutboxRow> runner = QueueRunner.start(settings.workerEnabled(), "email-outbox",
                new DurableQueue<>(db, QueueTable.EMAIL_OUTBOX, OutboxRow.READER), delivery,
                new QueueWorker.Options(settings.concurrency(), BATCH, settings.pollInterval(), settings.lease(),
                        new Backoff(settings.backoffBase(), Backoff.DEFAULT.max())), events);
        log.info("email outbox: {}", !settings.workerEnabled() ? "worker off (EMAIL_WORKER=off); rows wait for another instance"
                : sender instanceof FileMailbox f ? "delivering to the dev mailbox " + f.dir() : "delivering through Resend at " + settings.resendBaseUrl());
        return new EmailOutbox(runner);
    }

    /** A NOTIFY arrived (or the listener reconnected): claim now. */
    public void wake() {
        runner.wake();
    }

    public QueueStats stats() throws SQLException {
        return runner.stats();
    }

    @Override
    public void close() {
        runner.close();
    }
}
