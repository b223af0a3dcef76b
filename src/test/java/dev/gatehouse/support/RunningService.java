package dev.gatehouse.support;

import dev.gatehouse.Gatehouse;
import dev.gatehouse.auth.AccessTokenMinter;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The whole service, started as {@code serve} would start it, on a free loopback port against a test
 * database, with tokens minted like Supabase Auth's for the seeded or generated users.
 */
public final class RunningService implements AutoCloseable {
    public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";
    /** The Stripe webhook signing secret every test service verifies with (so none writes a dev one into the work tree). */
    public static final String STRIPE_WEBHOOK_SECRET = "whsec_test_secret_for_gatehouse_webhooks_0123";
    private final Gatehouse service;
    private final DataSource db;
    private final AccessTokenMinter minter = new AccessTokenMinter(SECRET, "http://127.0.0.1:54321/auth/v1");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningService(Gatehouse service, DataSource db) {
        this.service = service;
        this.db = db;
    }

    /** @param extraEnv environment on top of a dev-mode one (e.g. GATEHOUSE_CONFIG and provider keys) */
    public static RunningService start(DataSource db, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(Map.of("GATEHOUSE_PORT", "0", "SUPABASE_JWT_SECRET", SECRET,
                "GATEHOUSE_DATA_DIR", tempDataDir(), "STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET));
        // Load shedding reacts to this machine's scheduler lag, which the suite's own bursts on two cores can raise
        // past the target; tests of shedding switch it on (web.LoadShedderTest, web.LoadSheddingTest).
        env.put("GATEHOUSE_SHED_LAG_MS", "0");
        env.putAll(extraEnv);
        Settings settings = Settings.load(env);
        return new RunningService(Gatehouse.start(settings, db, env), db);
    }

    /** The dev mailbox and dev certificates go to a throwaway folder, never the working copy's .gatehouse/. */
    private static String tempDataDir() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("gatehouse-test-data");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public java.util.List<String> routes() {
        return service.routes();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + service.port();
    }

    public String tokenFor(String email) throws SQLException {
        try (Connection c = db.getConnection()) {
            AuthUser u = AuthUsers.byEmail(c, email).orElseThrow(() -> new IllegalArgumentException("no user " + email));
            return minter.mint(u, Duration.ofHours(1), Instant.now());
        }
    }

    public String tokenFor(AuthUser u) {
        return minter.mint(u, Duration.ofHours(1), Instant.now());
    }

    public HttpResponse<String> post(String path, String bearer, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        service.close();
    }
}
