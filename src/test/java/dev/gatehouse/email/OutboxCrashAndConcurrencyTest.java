package dev.gatehouse.email;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.gatehouse.jobs.Claimed;
import dev.gatehouse.jobs.DurableQueue;
import dev.gatehouse.jobs.Notifications;
import dev.gatehouse.jobs.QueueTable;
import dev.gatehouse.support.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once delivery under crashes and several workers, and waking on NOTIFY (also after the listener dropped). */
class OutboxCrashAndConcurrencyTest {
    @RegisterExtension
    static WireMockExtension resend = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static TestDatabase db;
    @TempDir
    Path dataDir;

    @BeforeAll
    static void database() {
        db = TestDatabase.migrated(16);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void emptyOutbox() throws Exception {
        Outboxes.clearSeedMail(db.dataSource());
        resend.stubFor(post("/emails").willReturn(ResendWire.sent("ok")));
    }

    private ResendSender sender(EmailSettings s) {
        return new ResendSender(ResendSender.defaultHttpClient(), s.resendBaseUrl(), s.resendApiKey(), 0, Clock.systemUTC());
    }

    @Test
    void aCrashBetweenSendAndMarkIsRetriedWithTheSameIdempotencyKey() throws Exception {
        EmailSettings s = Outboxes.settings(resend.baseUrl(), dataDir, "EMAIL_LEASE_SECONDS", "1");
        long id = Outboxes.enqueue(db.dataSource(), "payment_receipt", "payment_receipt:crash");
        // given a worker that claimed the row and sent it, then died before marking it sent
        DurableQueue<OutboxRow> queue = new DurableQueue<>(db.dataSource(), QueueTable.EMAIL_OUTBOX, OutboxRow.READER);
        List<Claimed<OutboxRow>> claimed = queue.claim(10, "crashed-worker");
        assertThat(claimed).extracting(Claimed::id).containsExactly(id);
        new OutboxDelivery(new Templates(), sender(s), null, s).handle(claimed.getFirst());

        // when another worker starts and the lease expires
        try (EmailOutbox survivor = EmailOutbox.start(db.dataSource(), s, sender(s))) {
            Outboxes.Row row = await().atMost(Duration.ofSeconds(10)).until(() -> Outboxes.row(db.dataSource(), id), r -> r.status().equals("sent"));

            // then it was sent again with the same key, which Resend deduplicates: one email
            assertThat(row.attempts()).isEqualTo(2);
            assertThat(resend.getAllServeEvents()).hasSize(2)
                    .extracting(e -> e.getRequest().getHeader("Idempotency-Key")).containsOnly("payment_receipt:crash");
            // and the crashed worker's late finish cannot overwrite the survivor's outcome
            assertThat(queue.finish(claimed.getFirst(), new dev.gatehouse.jobs.Outcome.Fail("late"), dev.gatehouse.jobs.Backoff.DEFAULT)).isFalse();
            assertThat(Outboxes.row(db.dataSource(), id).status()).isEqualTo("sent");
        }
    }

    @Test
    void twoWorkersOnOneDatabaseNeverSendTheSameRow() throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = db.connect()) {
            var rs = c.createStatement().executeQuery("""
                    select private.enqueue_email('a0000000-0000-4000-8000-000000000001', 'welcome', '{}'::jsonb, 'many:' || g, false)
                    from generate_series(1, 300) g""");
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        EmailSettings s = Outboxes.settings(resend.baseUrl(), dataDir, "EMAIL_WORKER_CONCURRENCY", "8");
        try (EmailOutbox a = EmailOutbox.start(db.dataSource(), s, sender(s)); EmailOutbox b = EmailOutbox.start(db.dataSource(), s, sender(s))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.stats().depth() == 0);
        }
        Map<String, Long> perKey = resend.getAllServeEvents().stream()
                .collect(Collectors.groupingBy(e -> e.getRequest().getHeader("Idempotency-Key"), Collectors.counting()));
        assertThat(perKey).hasSize(300);
        assertThat(perKey.values()).containsOnly(1L);
        try (Connection c = db.connect()) {
            var rs = c.createStatement().executeQuery("select count(*) filter (where status = 'sent' and attempts = 1) from private.email_outbox");
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(300);
        }
    }

    @Test
    void aNotifyWakesTheWorkerAtOnceEvenAfterTheListeningConnectionDropped() throws Exception {
        EmailSettings s = Outboxes.settings(resend.baseUrl(), dataDir, "EMAIL_POLL_MS", "60000");
        try (EmailOutbox outbox = EmailOutbox.start(db.dataSource(), s, sender(s));
                Notifications listen = new Notifications(db.dataSource()).on("email_outbox", outbox::wake).start()) {
            await().atMost(Duration.ofSeconds(5)).until(listen::connected);
            long first = Outboxes.enqueue(db.dataSource());
            await().atMost(Duration.ofSeconds(2)).until(() -> Outboxes.row(db.dataSource(), first).status().equals("sent"));

            try (Connection c = db.connect()) {
                var rs = c.createStatement().executeQuery(
                        "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity where query like 'listen %' and datname = current_database()");
                rs.next();
                assertThat(rs.getInt(1)).as("the listening connection was dropped").isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(5)).until(listen::connected);
            Instant queued = Instant.now();
            long second = Outboxes.enqueue(db.dataSource());
            await().atMost(Duration.ofSeconds(2)).until(() -> Outboxes.row(db.dataSource(), second).status().equals("sent"));
            assertThat(Duration.between(queued, Instant.now())).as("woken, not polled (poll is 60 s)").isLessThan(Duration.ofSeconds(3));
        }
        assertThat(resend.getAllServeEvents()).extracting(ServeEvent::getRequest).hasSize(2);
    }

}
