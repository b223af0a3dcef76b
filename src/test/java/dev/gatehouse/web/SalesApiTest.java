package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/sales/call-analyses}: the sales-call-analysis task, saved as the caller's own row through RLS. */
class SalesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRANSCRIPT = "Rep: Thanks for joining. Prospect: Sure, but the price worries me. Rep: Let us look at the ROI together.";

    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(8);
        service = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    @Test
    void anAnalysisIsSavedAsTheCallersOwnRowUnderTheirClient() throws Exception {
        AuthUser rep = Users.signUp(db.dataSource(), "rep");
        UUID client = client(rep);

        HttpResponse<String> r = service.post("/v1/sales/call-analyses", service.tokenFor(rep),
                JSON.writeValueAsString(Map.of("transcript", TRANSCRIPT, "title", "Acme discovery", "client_id", client.toString())));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        Map<String, Object> row = superuserRow("select user_id, client_ref, title, transcript, analysis::text as analysis, request_id from public.call_analyses where id = ?",
                UUID.fromString(body.path("id").asText()));
        assertThat(row).containsEntry("user_id", rep.id()).containsEntry("client_ref", client).containsEntry("title", "Acme discovery")
                .containsEntry("transcript", TRANSCRIPT).containsEntry("request_id", r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(JSON.readTree((String) row.get("analysis"))).isEqualTo(body.path("analysis"));
        assertThat(body.path("analysis").has("objections")).isTrue();
    }

    @Test
    void anotherUsersClientIsRefusedBeforeAnyAiCallAndNothingIsSaved() throws Exception {
        AuthUser owner = Users.signUp(db.dataSource(), "rep");
        AuthUser other = Users.signUp(db.dataSource(), "rep");
        UUID foreign = client(owner);

        HttpResponse<String> r = service.post("/v1/sales/call-analyses", service.tokenFor(other),
                JSON.writeValueAsString(Map.of("transcript", TRANSCRIPT, "client_id", foreign.toString())));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("client_id");
        assertThat(superuserRow("select count(*)::int as n from public.call_analyses where user_id = ?", other.id())).containsEntry("n", 0);
        assertThat(superuserRow("select count(*)::int as n from private.ai_reservations where user_id = ?", other.id())).containsEntry("n", 0);
    }

    @Test
    void aMissingTranscriptOrAnUnknownFieldIs400() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "rep"));

        assertThat(service.post("/v1/sales/call-analyses", token, "{\"title\":\"x\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = service.post("/v1/sales/call-analyses", token, "{\"transcript\":\"" + TRANSCRIPT + "\",\"user_id\":\"x\"}");
        assertThat(JSON.readTree(unknown.body()).at("/error/param").asText()).isEqualTo("user_id");
    }

    private static UUID client(AuthUser owner) throws Exception {
        return (UUID) superuserRow("insert into public.clients (user_id, name) values (?, 'Acme') returning id", owner.id()).get("id");
    }

    private static Map<String, Object> superuserRow(String sql, Object... params) throws Exception {
        try (Connection c = db.connect()) {
            return Postgrest.rows(c, sql, params).getFirst();
        }
    }
}
