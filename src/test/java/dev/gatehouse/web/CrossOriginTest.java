package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CORS as browsers see it: preflights, exposed headers, refused origins, and no CORS on server-to-server paths. */
class CrossOriginTest {
    static final String APP = "https://app.example.com";
    static final String EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
    private static final String CHAT = "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    /** What Chromium asks for before the OpenAI JS SDK's first call (openai 7.x in a browser). */
    private static final String SDK_HEADERS = "authorization,content-type,x-stainless-arch,x-stainless-lang,x-stainless-os,"
            + "x-stainless-package-version,x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout";

    private static TestDatabase db;
    private static RunningService service;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of("CORS_ORIGINS", APP + ", " + EXTENSION));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static HttpResponse<String> preflight(String path, String origin, String requestHeaders) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST");
        if (requestHeaders != null) {
            b.header("Access-Control-Request-Headers", requestHeaders);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> chatFrom(String origin, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/v1/chat/completions"))
                .header("Origin", origin).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> list(HttpResponse<?> r, String header) {
        return r.headers().firstValue(header).map(v -> Arrays.stream(v.split(",")).map(String::strip).collect(Collectors.toSet())).orElse(Set.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat/completions", "/v1/tasks/mentor-answer", "/v1/models", "/v1/usage", "/v1/tasks"})
    void aPreflightFromAnAllowedOriginIs204ForEveryBrowserRoute(String path) throws Exception {
        HttpResponse<String> r = preflight(path, APP, SDK_HEADERS);

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue(APP);
        assertThat(list(r, "access-control-allow-methods")).contains("POST", "GET");
        assertThat(list(r, "access-control-allow-headers")).containsExactlyInAnyOrder(SDK_HEADERS.split(","));
        assertThat(r.headers().firstValue("access-control-max-age").map(Integer::parseInt)).hasValueSatisfying(s -> assertThat(s).isPositive());
        assertThat(r.headers().firstValue("access-control-allow-credentials")).isEmpty();
    }

    @Test
    void theExtensionsOriginIsAllowedLikeAWebApp() throws Exception {
        HttpResponse<String> r = preflight("/v1/chat/completions", EXTENSION, "authorization,content-type,x-request-id");

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue(EXTENSION);
        assertThat(list(r, "access-control-allow-headers")).containsExactlyInAnyOrder("authorization", "content-type", "x-request-id");
    }

    @Test
    void aHeaderTheServiceDoesNotAcceptIsLeftOutSoTheBrowserRefuses() throws Exception {
        HttpResponse<String> r = preflight("/v1/chat/completions", APP, "authorization,x-forwarded-for,cookie");

        assertThat(list(r, "access-control-allow-headers")).containsExactly("authorization");
    }

    @Test
    void anAllowedOriginsResponseExposesTheRateLimitHeaders() throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "cors"));

        HttpResponse<String> r = chatFrom(APP, token);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue(APP);
        assertThat(list(r, "access-control-expose-headers")).contains("x-request-id", "retry-after",
                "x-ratelimit-remaining-requests", "x-ratelimit-limit-requests", "x-ratelimit-reset-requests", "x-quota-remaining-requests");
        assertThat(r.headers().allValues("vary")).anySatisfy(v -> assertThat(v).containsIgnoringCase("origin"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example.com", "https://app.example.com.evil.example", "http://app.example.com",
            "null", "chrome-extension://otherextensionidotherextensionid", "http://localhost:3000"})
    void aDisallowedOriginGetsNoCorsHeadersButIsAuthenticatedAsUsual(String origin) throws Exception {
        String token = service.tokenFor(Users.signUp(db.dataSource(), "cors"));

        HttpResponse<String> pre = preflight("/v1/chat/completions", origin, "authorization");
        HttpResponse<String> served = chatFrom(origin, token);
        HttpResponse<String> unauthenticated = chatFrom(origin, "not-a-token");

        assertThat(pre.statusCode()).isEqualTo(403);
        EdgeRefusalsTest.openAiError(pre.body());
        for (HttpResponse<String> r : java.util.List.of(pre, served, unauthenticated)) {
            assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
        }
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(unauthenticated.statusCode()).isEqualTo(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/webhooks/stripe", "/hooks/auth/send-email"})
    void webhooksAndHooksSendNoCorsHeadersAtAll(String path) throws Exception {
        HttpResponse<String> pre = preflight(path, APP, "content-type");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .header("Origin", APP).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> r : java.util.List.of(pre, post)) {
            assertThat(r.statusCode()).isNotEqualTo(204).isNotEqualTo(200);
            assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
        }
    }

    @Test
    void devModesDefaultAllowsLoopbackOnAnyPortOnly() throws Exception {
        try (RunningService dev = RunningService.start(db.dataSource(), Map.of())) {
            for (String origin : java.util.List.of("http://localhost:5173", "http://127.0.0.1:8080")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(dev.baseUrl() + "/v1/models"))
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                        .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(204);
                assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue(origin);
            }
            HttpResponse<String> remote = http.send(HttpRequest.newBuilder(URI.create(dev.baseUrl() + "/v1/models"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://localhost.evil.example:80")
                    .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(remote.statusCode()).isEqualTo(403);
        }
    }
}
