package dev.gatehouse.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who sees the status page's data: the ops token or an admin's session, nobody else; its files come from the service. */
class StatusAccessTest {
    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_OPS_TOKEN", MetricsEndpointTest.OPS_TOKEN));
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static AuthUser user(String role) throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "status-" + role);
        try (Connection c = db.connect()) {
            Postgrest.update(c, "update public.profiles set role = ? where id = ?", role, u.id());
        }
        return u;
    }

    @Test
    void theDataIsForTheOpsTokenAndAdminsOnly() throws Exception {
        AuthUser admin = user("admin");
        AuthUser instructor = user("instructor");
        String adminKey = "gh_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
        try (Connection c = db.connect()) {
            Postgrest.update(c, "insert into public.api_keys (user_id, name, prefix, key_hash, scopes) values (?, 'k', ?, ?, ?::text[])", admin.id(),
                    adminKey.substring(0, 11), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(adminKey.getBytes())),
                    "{chat,tasks,models,usage,billing}");
        }

        assertThat(service.get("/status/data", null).statusCode()).isEqualTo(401);
        assertThat(service.get("/status/data", "wrong-token").statusCode()).isEqualTo(401);
        assertThat(service.get("/status/data", service.tokenFor(instructor)).statusCode()).isEqualTo(403);
        assertThat(service.get("/status/data", adminKey).statusCode()).as("an admin's API key is not a session").isEqualTo(403);
        HttpResponse<String> asAdmin = service.get("/status/data", service.tokenFor(admin));
        HttpResponse<String> withToken = service.get("/status/data", MetricsEndpointTest.OPS_TOKEN);
        assertThat(asAdmin.statusCode()).isEqualTo(200);
        assertThat(asAdmin.body()).contains("\"breakers\"").contains("\"times\"").contains("\"dev-echo\"");
        assertThat(withToken.statusCode()).isEqualTo(200);
    }

    @Test
    void thePageAndItsChartLibraryAreServedByTheServiceWithNoDataInThePage() throws Exception {
        HttpResponse<String> page = service.get("/status", null);
        HttpResponse<String> uplot = service.get("/status/uplot.js", null);
        HttpResponse<String> license = service.get("/status/uplot-license.txt", null);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"/status/uplot.js\"></script>").doesNotContain("http://").doesNotContain("https://")
                .doesNotContain("dev-echo");
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.headers().firstValue("content-type").orElseThrow()).startsWith("text/javascript");
        assertThat(uplot.body()).contains("uPlot");
        assertThat(license.body()).contains("MIT");
        assertThat(service.get("/status/../../etc/passwd", null).statusCode()).isIn(400, 404);
        assertThat(service.get("/status/nothing.js", null).statusCode()).isEqualTo(404);
    }

    @Test
    void devModeKeepsAGeneratedOpsTokenInTheDataDir(@org.junit.jupiter.api.io.TempDir Path dataDir) throws Exception {
        try (RunningService dev = RunningService.start(db.dataSource(), Map.of("GATEHOUSE_DATA_DIR", dataDir.toString()))) {
            String token = Files.readString(dataDir.resolve("ops-token")).strip();

            assertThat(token).hasSizeGreaterThanOrEqualTo(32);
            assertThat(dev.get("/metrics", token).statusCode()).isEqualTo(200);
        }
    }
}
