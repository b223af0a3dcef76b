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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/import/{app}} end to end: happy path, twice, a foreign id, malformed documents, a partial failure. */
class ImportApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SALES = """
            {"app": "sales", "version": 1, "exported_at": "2026-12-01T10:00:00Z",
             "clients": [{"id": "c1", "name": "Acme", "company": "Acme Ltd", "email": "buyer@acme.example"},
                         {"id": 2, "name": "Globex"}],
             "campaigns": [{"id": "k1", "name": "Spring outreach", "status": "active", "starts_on": "2026-03-01"}],
             "analyses": [{"id": "a1", "client_id": "c1", "campaign_id": "k1", "title": "Discovery", "transcript": "Rep: hi",
                           "analysis": {"summary": "Went well", "score": 70}, "score": 70}]}""";

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
    void aSalesExportIsImportedAsTheCallersRowsWithReferencesResolved() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "importer");

        HttpResponse<String> r = service.post("/v1/import/sales", service.tokenFor(u), SALES);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("created").asInt()).isEqualTo(4);
        assertThat(body.at("/tables/clients/created").asInt()).isEqualTo(2);
        assertThat(count("select count(*) from public.call_analyses a join public.clients c on c.id = a.client_ref and c.user_id = a.user_id"
                + " join public.campaigns k on k.id = a.campaign_ref where a.user_id = ? and c.local_id = 'c1' and k.local_id = 'k1'", u)).isEqualTo(1);
    }

    @Test
    void importingTheSameExportTwiceChangesNothingAndAnEditedItemIsSkippedNotOverwritten() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "importer"));
        String prompts = """
                {"prompts": [{"id": "p1", "title": "Cold email", "body": "Write a cold email", "tags": ["sales"]},
                             {"id": "p2", "title": "Haiku", "body": "Write a haiku"}]}""";
        assertThat(service.post("/v1/import/prompts", token, prompts).statusCode()).isEqualTo(200);

        JsonNode again = JSON.readTree(service.post("/v1/import/prompts", token, prompts).body());
        JsonNode edited = JSON.readTree(service.post("/v1/import/prompts", token, prompts.replace("Write a haiku", "Write a limerick")).body());

        assertThat(again.path("created").asInt()).isZero();
        assertThat(again.path("unchanged").asInt()).isEqualTo(2);
        assertThat(edited.path("unchanged").asInt()).isEqualTo(1);
        assertThat(edited.path("skipped").asInt()).isEqualTo(1);
    }

    @Test
    void aReferenceToAnotherUsersClientIsNotFoundAndNothingIsWritten() throws Exception {
        AuthUser owner = Users.signUp(db.dataSource(), "importer");
        AuthUser other = Users.signUp(db.dataSource(), "importer");
        assertThat(service.post("/v1/import/sales", service.tokenFor(owner), SALES).statusCode()).isEqualTo(200);
        String foreign = """
                {"clients": [{"id": "mine", "name": "Mine"}],
                 "analyses": [{"id": "x1", "client_id": "c1", "analysis": {"summary": "uses someone else's client id"}}]}""";

        HttpResponse<String> r = service.post("/v1/import/sales", service.tokenFor(other), foreign);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("$.analyses[0].client_id");
        assertThat(count("select count(*) from public.clients where user_id = ?", other)).as("the earlier client row was rolled back too").isZero();
    }

    @Test
    void aMalformedDocumentIsRefusedWithEveryProblemByPathAndNothingIsWritten() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "importer");
        String bad = """
                {"version": 2, "prompts": [{"id": "p1", "title": "", "body": "ok"}, {"title": "No id", "body": "x", "user_id": "someone"},
                 {"id": "p1", "title": "dup", "body": "x", "tags": "not-a-list"}], "notes": []}""";

        HttpResponse<String> r = service.post("/v1/import/prompts", service.tokenFor(u), bad);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("$.notes", "$.version", "$.prompts[0].title",
                "$.prompts[1].id", "$.prompts[1].user_id", "$.prompts[2].id", "$.prompts[2].tags");
        assertThat(count("select count(*) from public.prompts where user_id = ?", u)).isZero();
        assertThat(service.post("/v1/import/notes-app", service.tokenFor(u), "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void aRowTheDatabaseRefusesMidWayRollsBackTheWholeImport() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "importer");
        // valid to the validator, but ends_on before starts_on breaks the table's check on the second campaign
        String partial = """
                {"clients": [{"id": "c1", "name": "Acme"}],
                 "campaigns": [{"id": "k1", "name": "Fine"}, {"id": "k2", "name": "Backwards", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}]}""";

        HttpResponse<String> r = service.post("/v1/import/sales", service.tokenFor(u), partial);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("nothing was imported");
        assertThat(count("select (select count(*) from public.clients where user_id = ?) + (select count(*) from public.campaigns where user_id = ?)", u, u))
                .isZero();
    }

    private static long count(String sql, AuthUser... users) throws Exception {
        Object[] ids = java.util.Arrays.stream(users).map(AuthUser::id).toArray();
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, sql, ids)).longValue();
        }
    }
}
