package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.Settings;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Security headers, gzip of JSON, Cache-Control of the cacheable GETs, and the per-IP limit, over real HTTP. */
class HttpHardeningTest {
    private static TestDatabase db;
    private static RunningService service;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated(4);
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_PUBLIC_RATE_PER_MINUTE", "5", "GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private HttpResponse<byte[]> get(String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.baseUrl() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void everyResponseCarriesTheSecurityHeaders() throws Exception {
        HttpResponse<byte[]> r = get("/v1/nowhere", null);

        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(r.headers().firstValue("Cross-Origin-Opener-Policy")).hasValue("same-origin");
        assertThat(r.headers().firstValue("Strict-Transport-Security")).as("dev mode serves plain http").isEmpty();
    }

    @Test
    void productionSendsHsts() {
        assertThat(Settings.load(Map.of("DATABASE_URL", "postgresql://u:p@db.example.com:5432/postgres", "SUPABASE_URL", "https://ref.supabase.co"))
                .edge().hsts()).isTrue();
        assertThat(Settings.load(Map.of()).edge().hsts()).isFalse();
    }

    @Test
    void aLargeJsonAnswerIsGzippedWhenAskedAndCachedPrivately() throws Exception {
        String token = service.tokenFor("student@example.com");

        HttpResponse<byte[]> gz = get("/v1/tasks", token, "Accept-Encoding", "gzip");
        HttpResponse<byte[]> plain = get("/v1/tasks", token);

        assertThat(gz.statusCode()).isEqualTo(200);
        assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        byte[] unzipped = new GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes();
        assertThat(new String(unzipped, StandardCharsets.UTF_8)).isEqualTo(new String(plain.body(), StandardCharsets.UTF_8));
        assertThat(gz.body().length).isLessThan(plain.body().length / 2);
        assertThat(gz.headers().firstValue("Cache-Control")).hasValue("private, max-age=300");
        assertThat(gz.headers().allValues("Vary").toString()).contains("Authorization");
    }

    @Test
    void theModelListIsCacheableForAMinuteButARefusalIsNot() throws Exception {
        HttpResponse<byte[]> ok = get("/v1/models", service.tokenFor("student@example.com"));
        HttpResponse<byte[]> refused = get("/v1/models", null);

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Cache-Control")).hasValue("private, max-age=60");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void anAddressThatSpentItsBurstOnPublicEndpointsGets429ButWebhooksAndOthersAreNotLimited() throws Exception {
        String ip = "203.0.113.77";
        for (int i = 0; i < 5; i++) {
            assertThat(get("/health", null, "X-Forwarded-For", ip).statusCode()).isEqualTo(200);
        }

        HttpResponse<byte[]> limited = get("/certificates/NOPE", null, "X-Forwarded-For", ip);
        HttpResponse<byte[]> other = get("/health", null, "X-Forwarded-For", "203.0.113.78");
        HttpResponse<String> webhook = service.post("/webhooks/stripe", null, "{}");

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 12L));
        assertThat(new String(limited.body(), StandardCharsets.UTF_8)).contains("\"code\":\"rate_limit_exceeded\"");
        assertThat(limited.headers().firstValue("x-request-id")).isPresent();
        assertThat(other.statusCode()).as("another client behind the same trusted proxy").isEqualTo(200);
        assertThat(webhook.statusCode()).as("signature-checked, never IP-limited").isEqualTo(400);
        for (int i = 0; i < 6; i++) {
            assertThat(service.post("/webhooks/stripe", null, "{}").statusCode()).isEqualTo(400);
        }
    }
}
