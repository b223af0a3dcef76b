package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.cli.ServeCommand;
import dev.gatehouse.db.DatabaseUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The README's run command, as a person uses it: dev mode on an empty data dir creates, migrates and
 * seeds the embedded database, keeps a dev secret, answers /health, makes tokens while it runs, and
 * gives the seeded free student exactly ten AI requests. A second start keeps the data.
 */
class DevModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aDevStartLogsTheUnconfiguredDeploymentsInOneInfoLineAndShutdownSaysWhatItStopped(@TempDir Path dataDir) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        root.addAppender(events);
        int port;
        try {
            try (ServeCommand.Running dev = ServeCommand.start(Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), "GATEHOUSE_PORT", "0"))) {
                port = dev.port();
                assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
                assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.contains("OPENAI_API_KEY not set"))
                        .singleElement().asString().contains("anthropic-haiku (ANTHROPIC_API_KEY not set)", "groq-llama-3.1-8b (GROQ_API_KEY not set)");
            }
        } finally {
            root.detachAppender(events);
        }
        assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).startsWith("Gatehouse stopped: HTTP server on 127.0.0.1:" + port + ", AI gateway")
                        .contains("embedded PostgreSQL"));
    }

    @Test
    void runCommandServesTheWholeFlowOfflineAndKeepsItsDataAcrossRestarts(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("GATEHOUSE_DATA_DIR", dataDir.toString(), "GATEHOUSE_PORT", "0");

        try (ServeCommand.Running dev = ServeCommand.start(env)) {
            String base = "http://127.0.0.1:" + dev.port();
            assertThat(get(base + "/health").statusCode()).isEqualTo(200);
            assertThat(Files.getPosixFilePermissions(dataDir.resolve("jwt-secret"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String psqlUrl = Files.readString(dataDir.resolve("database-url")).strip();
            assertThat(psqlUrl).startsWith("postgresql://postgres@127.0.0.1:");
            try (Connection c = DriverManager.getConnection(DatabaseUrl.parse(psqlUrl).jdbcUrl(), "postgres", null);
                    ResultSet rs = c.createStatement().executeQuery("select count(*) from public.courses")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3);
            }

            String token = token(env, "student@example.com");
            for (int i = 1; i <= 10; i++) {
                assertThat(chat(base, token).statusCode()).as("request %d", i).isEqualTo(200);
            }
            HttpResponse<String> eleventh = chat(base, token);
            assertThat(eleventh.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(eleventh.body()).at("/error/code").asText()).isEqualTo("insufficient_quota");
            assertThat(eleventh.headers().firstValue("retry-after")).isPresent();

            assertThat(chat(base, token(env, "newcomer@example.com")).statusCode()).isEqualTo(200);
        }

        try (ServeCommand.Running again = ServeCommand.start(env)) {
            String base = "http://127.0.0.1:" + again.port();
            assertThat(chat(base, token(env, "newcomer@example.com")).statusCode()).as("the signed-up user and the dev secret survived").isEqualTo(200);
            assertThat(chat(base, token(env, "student@example.com")).statusCode()).as("usage survived: the quota is still spent").isEqualTo(429);
        }
    }

    private static String token(Map<String, String> env, String email) {
        CliRun run = CliRun.of(env, "token", "--email", email);
        assertThat(run.exitCode()).as(run.err()).isZero();
        String token = run.out().strip();
        assertThat(token).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
        return token;
    }

    private HttpResponse<String> chat(String base, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
