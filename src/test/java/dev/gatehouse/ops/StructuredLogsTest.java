package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.LogCapture;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The JSON log format as logback.xml configures it, the access log line, and the request id rules. */
class StructuredLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
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
    void theJsonFormatHasOneObjectPerLineWithTheRequestFieldsOnTopAndMasksCredentialShapes() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        context.putProperty("GATEHOUSE_LOG_FORMAT", "json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(getClass().getResource("/logback.xml"));
            MDC.put("request_id", "req_0123");
            MDC.put("user_id", "a0000000-0000-4000-8000-000000000001");
            MDC.put("route", "/v1/chat/completions");
            context.getLogger("dev.gatehouse.test").warn("a provider said: bad key {}", JWT);
        } finally {
            MDC.clear();
            System.setErr(original);
            context.stop();
        }

        // System.err is the whole JVM's: the service started above (its hourly prune job, say) may log a text
        // line through the default context meanwhile; this context's lines are the JSON ones
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).toList();
        assertThat(lines).as(context.getStatusManager().getCopyOfStatusList().toString()).hasSize(1);
        JsonNode line = JSON.readTree(lines.getFirst());
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("logger").asText()).isEqualTo("dev.gatehouse.test");
        assertThat(line.has("time")).isTrue();
        assertThat(line.get("request_id").asText()).isEqualTo("req_0123");
        assertThat(line.get("user_id").asText()).isEqualTo("a0000000-0000-4000-8000-000000000001");
        assertThat(line.get("route").asText()).isEqualTo("/v1/chat/completions");
        assertThat(line.get("message").asText()).isEqualTo("a provider said: bad key [redacted]");
        assertThat(lines.getFirst()).doesNotContain(JWT);
    }

    @Test
    void eachRequestLogsOneAccessLineWithItsRequestIdUserRouteStatusAndLatency() throws Exception {
        AuthUser user = Users.signUp(db.dataSource(), "access-log");
        HttpResponse<String> r;
        String logged;
        try (LogCapture logs = new LogCapture()) {
            r = get("/v1/usage", service.tokenFor(user), "trace-4f2a-9c1d-0001");
            logged = logs.text();
        }

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).hasValue("trace-4f2a-9c1d-0001");
        JsonNode line = logged.lines().map(StructuredLogsTest::json).filter(l -> l.path("logger_name").asText().equals("dev.gatehouse.access"))
                .filter(l -> l.path("request_id").asText().equals("trace-4f2a-9c1d-0001")).findFirst().orElseThrow();
        assertThat(line.get("user_id").asText()).isEqualTo(user.id().toString());
        assertThat(line.get("route").asText()).isEqualTo("/v1/usage");
        assertThat(line.get("status").asText()).isEqualTo("200");
        assertThat(Double.parseDouble(line.get("latency_ms").asText())).isPositive();
        assertThat(line.get("request_key").asText()).matches("req_[0-9a-f]{32}");
    }

    @Test
    void aMissingMalformedOrCredentialShapedRequestIdIsReplacedByAGeneratedOne() throws Exception {
        AuthUser user = Users.signUp(db.dataSource(), "request-ids");
        String token = service.tokenFor(user);

        for (String sent : new String[] {null, "has spaces in it", "short", "x".repeat(65), token, "gh_" + "a".repeat(40)}) {
            HttpResponse<String> r = get("/v1/usage", token, sent);
            assertThat(r.headers().firstValue("x-request-id")).as("sent %s", sent).hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
        }
        assertThat(get("/health", null, "550e8400-e29b-41d4-a716-446655440000").headers().firstValue("x-request-id"))
                .hasValue("550e8400-e29b-41d4-a716-446655440000");
    }

    private static HttpResponse<String> get(String path, String bearer, String requestId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (requestId != null) {
            b.header("x-request-id", requestId);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
