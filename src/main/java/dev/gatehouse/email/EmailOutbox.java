package dev.gatehouse.email;

import dev.gatehouse.jobs.Backoff;
import dev.gatehouse.jobs.DurableQueue;
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

    private final DurableQueue<OutboxRow> queue;
    private final QueueWorker<OutboxRow> worker;

    private EmailOutbox(DurableQueue<OutboxRow> queue, QueueWorker<OutboxRow> worker) {
        this.queue = queue;
        this.worker = worker;
    }

    public static EmailOutbox start(DataSource db, EmailSettings settings) {
        MailSender sender = settings.devMailbox()
                ? new FileMailbox(settings.mailbox())
                : new ResendSender(ResendSender.defaultHttpClient(), settings.resendBaseUrl(), settings.resendApiKey(),
                        settings.ratePerSecond(), Clock.systemUTC());
        return start(db, settings, sender);
    }

    public static EmailOutbox start(DataSource db, EmailSettings settings, MailSender sender) {
        DurableQueue<OutboxRow> queue = new DurableQueue<>(db, QueueTable.EMAIL_OUTBOX, OutboxRow.READER);
        QueueWorker<OutboxRow> worker = null;
        if (settings.workerEnabled()) {
            worker = new QueueWorker<>("email-outbox", queue, new OutboxDelivery(new Templates(), sender,
                    settings.twilio() == null ? null : new TwilioSender(ResendSender.defaultHttpClient(), settings.twilio()), settings),
                    new QueueWorker.Options(settings.concurrency(), BATCH, settings.pollInterval(), settings.lease(),
                            new Backoff(settings.backoffBase(), Backoff.DEFAULT.max()))).start();
            log.info("email outbox: delivering {}", sender instanceof FileMailbox f
                    ? "to the dev mailbox " + f.dir() : "through Resend at " + settings.resendBaseUrl());
        } else {
            log.info("email outbox: worker off (EMAIL_WORKER=off); rows wait for another instance");
        }
        return new EmailOutbox(queue, worker);
    }

    /** A NOTIFY arrived (or the listener reconnected): claim now. */
    public void wake() {
        if (worker != null) {
            worker.wake();
        }
    }

    public QueueStats stats() throws SQLException {
        return queue.stats();
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
    }
}
