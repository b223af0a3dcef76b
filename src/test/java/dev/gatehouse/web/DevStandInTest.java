package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dev mode with no provider key: the documented aliases are answered by the offline dev model, which
 * names itself in {@code model} and in a header, so README's examples run as written and nobody
 * mistakes the answer for a real model's.
 */
class DevStandInTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    @Test
    void gpt4oMiniIsAnsweredByDevEchoUnderItsOwnName() throws Exception {
        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor("student2@example.com"),
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Explain RLS\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("model").asText()).isEqualTo("dev-echo");
        assertThat(body.at("/choices/0/message/content").asText()).startsWith("[dev-echo").contains("Explain RLS");
        assertThat(r.headers().firstValue("x-gatehouse-dev-stand-in")).hasValue("dev-echo answered for gpt-4o-mini (dev mode, no provider key set)");
    }

    @Test
    void aStreamNamesDevEchoInEveryChunk() throws Exception {
        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor("student2@example.com"),
                "{\"model\":\"claude-haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-gatehouse-dev-stand-in")).hasValueSatisfying(v -> assertThat(v).contains("claude-haiku"));
        var chunks = r.body().lines().filter(l -> l.startsWith("data: {")).toList();
        assertThat(chunks).isNotEmpty().allSatisfy(l -> assertThat(JSON.readTree(l.substring(6)).path("model").asText()).isEqualTo("dev-echo"));
        assertThat(r.body()).contains("data: [DONE]");
    }

    @Test
    void devEchoAskedForByNameCarriesNoStandInHeader() throws Exception {
        HttpResponse<String> r = service.post("/v1/chat/completions", service.tokenFor("student2@example.com"),
                "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-gatehouse-dev-stand-in")).isEmpty();
    }

    @Test
    void modelsListTheDocumentedAliasesThePlanAllows() throws Exception {
        HttpResponse<String> r = service.get("/v1/models", service.tokenFor("student2@example.com"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("data").findValuesAsText("id")).contains("gpt-4o-mini", "claude-haiku", "dev-echo");
    }
}
