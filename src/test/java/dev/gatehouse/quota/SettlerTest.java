package dev.gatehouse.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.quota.Admission.Admitted;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.SettlerGate;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The background settler: one bad settlement never takes its batch down, and the settler outlives any failure. */
class SettlerTest {
    private static TestDatabase db;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated(16);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** The settler serves streams and leases off; settlements of leased requests are written by the lease flush (QuotaLeasesTest). */
    private static QuotaGate perRequest(javax.sql.DataSource source) {
        return new QuotaGate(source, QuotaEvents.NONE, false);
    }

    private static UUID admitted(QuotaGate gate, String label) throws SQLException {
        AuthUser u = Users.signUp(db.dataSource(), label);
        return ((Admitted) gate.admit(new QuotaGate.Ask(u.id(), "dev-echo", null, false, 5, 5))).requestId();
    }

    private static boolean inLedger(UUID requestId) throws SQLException {
        try (Connection c = db.connect()) {
            return Postgrest.scalar(c, "select 1 from public.ai_usage where request_id = ?", requestId.toString()) != null;
        }
    }

    private static Settlement completed(UUID id) {
        return new Settlement(id, "completed", 5, 5, "dev-echo", 1, "upstream");
    }

    @Test
    void aSettlementTheDatabaseRejectsDoesNotStopTheRestOfItsBatch() throws Exception {
        SettlerGate source = new SettlerGate(db.dataSource());
        try (QuotaGate gate = perRequest(source)) {
            UUID good1 = admitted(gate, "batch-a");
            UUID bad = admitted(gate, "batch-b");
            UUID good2 = admitted(gate, "batch-c");
            // queue all three while the settler waits, so they are settled as one batch
            source.hold();
            gate.settleLater(completed(UUID.randomUUID()));
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued() == 0);
            gate.settleLater(completed(good1));
            gate.settleLater(new Settlement(bad, "no_such_outcome", 5, 5, "dev-echo", 1, "upstream"));
            gate.settleLater(completed(good2));

            source.release();

            await().atMost(Duration.ofSeconds(10)).until(() -> inLedger(good1) && inLedger(good2));
            assertThat(inLedger(bad)).isFalse();
        }
    }

    @Test
    void theSettlerSurvivesAnUnexpectedExceptionAndKeepsSettling() throws Exception {
        SettlerGate source = new SettlerGate(db.dataSource());
        try (QuotaGate gate = perRequest(source)) {
            UUID first = admitted(gate, "crash-a");
            UUID second = admitted(gate, "crash-b");
            source.failNext(new IllegalStateException("a bug in the settler's path"));

            gate.settleLater(completed(first));
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.queued() == 0);
            gate.settleLater(completed(second));

            await().atMost(Duration.ofSeconds(10)).until(() -> inLedger(second) && inLedger(first));
            assertThat(gate.settlerRunning()).isTrue();
        }
    }
}
