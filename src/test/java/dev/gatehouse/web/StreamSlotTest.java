package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.SettlerGate;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A finished stream's slot is free before its {@code [DONE]} reaches the caller, whenever the settler runs. */
class StreamSlotTest {
    private static TestDatabase db;
    private static SettlerGate source;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(16);
        source = new SettlerGate(db.dataSource());
        service = RunningService.start(source, Map.of());
    }

    @AfterAll
    static void stop() {
        source.release();
        service.close();
        db.close();
    }

    @Test
    void backToBackStreamsOnAOneStreamPlanAreNeverRefusedEvenWhileSettlementLags() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "sequential");
        Users.subscribe(db.dataSource(), u.id(), Users.plan(db.dataSource(), null, null, 1000, 64, 1));
        String token = service.tokenFor(u);
        source.hold(); // the background settler does not run until the end of the test

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = service.post("/v1/chat/completions", token,
                    "{\"model\":\"dev-echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"again " + i + "\"}]}");
            assertThat(r.statusCode()).as("stream %d: %s", i, r.body()).isEqualTo(200);
            assertThat(r.body()).endsWith("data: [DONE]\n\n");
        }
        source.release();
    }
}
