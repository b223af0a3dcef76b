package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.BearerCredentials;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every refusal the edge gives, including the ones Jetty answers before a route runs, is JSON in OpenAI's
 * shape with the right status, and none of them spends any of the caller's quota.
 */
class EdgeRefusalsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static TestDatabase db;
    private static RunningService service;
    private static AuthUser user;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of());
        user = Users.signUp(db.dataSource(), "edge");
        token = service.tokenFor(user);
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static int port() {
        return Integer.parseInt(service.baseUrl().substring(service.baseUrl().lastIndexOf(':') + 1));
    }

    /** Asserts the OpenAI error shape: exactly {error: {message, type, param, code}}, message and type set. */
    static JsonNode openAiError(String body) throws Exception {
        JsonNode root = JSON.readTree(body);
        assertThat(root.properties()).extracting(Map.Entry::getKey).containsExactly("error");
        JsonNode error = root.get("error");
        assertThat(error.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isNotBlank();
        return error;
    }

    /** What the refused user was charged: every request of this class sent as them is refused, so always 0. */
    private static long requestsCharged() throws Exception {
        try (Connection c = db.connect()) {
            Object reserved = Postgrest.scalar(c, "select count(*) from private.ai_reservations where user_id = ?", user.id());
            Object used = Postgrest.scalar(c, "select coalesce(sum(requests_used), 0) from private.ai_quota_periods where user_id = ?", user.id());
            Object rows = Postgrest.scalar(c, "select count(*) from public.ai_usage where user_id = ?", user.id());
            return ((Number) reserved).longValue() + ((Number) used).longValue() + ((Number) rows).longValue();
        }
    }

    private static RawHttp post(String head, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return RawHttp.send(port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + head
                + "Content-Length: " + bytes.length + "\r\n\r\n" + body);
    }

    @Test
    void aHeaderBlockOverJettysLimitIs431AsJson() throws Exception {
        RawHttp r = RawHttp.send(port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: "
                + "a".repeat(HttpApi.MAX_HEADER_BYTES + 1024) + "\r\n\r\n");

        assertThat(r.status()).isEqualTo(431);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        assertThat(openAiError(r.body()).get("code").asText()).isEqualTo("request_headers_too_large");
    }

    @Test
    void aBearerOverTheCredentialLimitGetsTheServicesOwn401NotJettys431() throws Exception {
        RawHttp r = post("Authorization: Bearer " + "a".repeat(BearerCredentials.MAX_LENGTH + 100) + "\r\nContent-Type: application/json\r\n", CHAT);

        assertThat(r.status()).isEqualTo(401);
        assertThat(openAiError(r.body()).get("code").asText()).isEqualTo("invalid_token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/models%00", "/v1/models\u0000", "/v1/models%zz"})
    void aNulByteOrBrokenEscapeInThePathIs400AsJson(String path) throws Exception {
        RawHttp r = RawHttp.send(port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        assertThat(openAiError(r.body()).get("code").asText()).isEqualTo("bad_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/%2e%2e/health", "/v1/a%2fb", "/v1/..;/health"})
    void anAmbiguousPathIsNeverServedAndIsRefusedAsJson(String path) throws Exception {
        RawHttp r = RawHttp.send(port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).isIn(400, 404);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        openAiError(r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"G\u0001T /v1/models HTTP/1.1", "GET /v1/models HTTP/9.9", "GARBAGE"})
    void aBadRequestLineOrMethodIs400AsJson(String requestLine) throws Exception {
        RawHttp r = RawHttp.send(port(), requestLine + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).isBetween(400, 505);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        openAiError(r.body());
    }

    @Test
    void anOverlongUriIs414AsJson() throws Exception {
        RawHttp r = RawHttp.send(port(), "GET /v1/models?q=" + "a".repeat(HttpApi.MAX_HEADER_BYTES + 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).isIn(414, 431);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        openAiError(r.body());
    }

    @Test
    void anUnknownRouteIs404AndAWrongMethodIs405AsJson() throws Exception {
        var missing = service.get("/v1/nothing-here", token);
        RawHttp wrongMethod = RawHttp.send(port(), "DELETE /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(openAiError(missing.body()).get("code").asText()).isEqualTo("not_found");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers().get("content-type")).startsWith("application/json");
        assertThat(openAiError(wrongMethod.body()).get("code").asText()).isEqualTo("method_not_allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"two headers", "two credentials in one header"})
    void twoCredentialsAre400AndSpendNothing(String how) throws Exception {
        String headers = how.equals("two headers")
                ? "Authorization: Bearer " + token + "\r\nAuthorization: Bearer " + token + "\r\n"
                : "Authorization: Bearer " + token + ", Bearer " + token + "\r\n";

        RawHttp r = post(headers + "Content-Type: application/json\r\n", CHAT);

        assertThat(r.status()).isEqualTo(400);
        assertThat(openAiError(r.body()).get("code").asText()).isEqualTo("ambiguous_authorization");
        assertThat(requestsCharged()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/jsonx", ""})
    void aBodyThatIsNotDeclaredJsonIs415AndSpendsNothing(String contentType) throws Exception {

        RawHttp r = post("Authorization: Bearer " + token + "\r\n" + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\r\n"), CHAT);

        assertThat(r.status()).isEqualTo(415);
        assertThat(openAiError(r.body()).get("code").asText()).isEqualTo("unsupported_media_type");
        assertThat(requestsCharged()).isZero();
    }

    @Test
    void jsonWithAUtf8CharsetIsAccepted() throws Exception {
        // Another user: this request is served and charged, which the refusals above must never be.
        String other = service.tokenFor(Users.signUp(db.dataSource(), "edge-accepted"));

        RawHttp r = post("Authorization: Bearer " + other + "\r\nContent-Type: Application/JSON; charset=\"UTF-8\"\r\n", CHAT);

        assertThat(r.status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {CHAT + "garbage", CHAT + " {}", CHAT + "\n" + CHAT, CHAT + "]"})
    void aBodyWithDataAfterItsJsonValueIs400AndSpendsNothing(String body) throws Exception {

        RawHttp r = post("Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n", body);

        assertThat(r.status()).isEqualTo(400);
        JsonNode error = openAiError(r.body());
        assertThat(error.get("message").asText()).contains("exactly one JSON value").doesNotContainIgnoringCase("token").doesNotContain("Unrecognized");
        assertThat(requestsCharged()).isZero();
    }

    @Test
    void aFieldSentTwiceIs400NamingTheField() throws Exception {
        RawHttp r = post("Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n",
                "{\"model\":\"dev-echo\",\"model\":\"gpt-4o\",\"messages\":[]}");

        assertThat(r.status()).isEqualTo(400);
        JsonNode error = openAiError(r.body());
        assertThat(error.get("param").asText()).isEqualTo("model");
        assertThat(error.get("message").asText()).contains("'model' more than once");
    }

    @Test
    void invalidJsonSaysWhereNotWhatTheParserThought() throws Exception {
        RawHttp r = post("Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n", "{\"model\": dev-echo}");

        assertThat(r.status()).isEqualTo(400);
        String message = openAiError(r.body()).get("message").asText();
        assertThat(message).contains("not valid JSON").contains("line 1, column");
        assertThat(message).doesNotContain("Unrecognized token").doesNotContain("JSON String, Number").doesNotContain("Source:");
    }
}
