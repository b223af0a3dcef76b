package dev.gatehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.GatewayConfig;
import dev.gatehouse.ai.GatewayConfigLoader;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.auth.AccessTokenVerifier;
import dev.gatehouse.auth.ApiKeyStore;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.config.Settings;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.ops.Health;
import dev.gatehouse.web.GatewayEndpoints;
import dev.gatehouse.web.HttpApi;
import io.javalin.Javalin;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: every part built once with plain constructors, in one place. Holds no state
 * of its own beyond caches; everything shared lives in Postgres, so instances scale out.
 */
public final class Gatehouse implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gatehouse.class);

    private final Javalin app;
    private final Gateway gateway;
    private final QuotaGate quota;
    private final ApiKeyStore apiKeys;
    private final GatewayEndpoints endpoints;
    /** How long shutdown waits for admitted requests to finish after ending the open streams. */
    private static final java.time.Duration DRAIN_BOUND = java.time.Duration.ofSeconds(20);

    private Gatehouse(Javalin app, Gateway gateway, QuotaGate quota, ApiKeyStore apiKeys, GatewayEndpoints endpoints) {
        this.endpoints = endpoints;
        this.app = app;
        this.gateway = gateway;
        this.quota = quota;
        this.apiKeys = apiKeys;
    }

    /** Builds and starts the service on {@code settings}' host and port against {@code db}. */
    public static Gatehouse start(Settings settings, DataSource db, Map<String, String> env) {
        GatewayConfig gatewayConfig = GatewayConfigLoader.load(env, settings.mode());
        log.info(gatewayConfig.describe());
        gatewayConfig.warnings().forEach(log::warn);
        String tasksDir = env.get("GATEHOUSE_TASKS_DIR");
        TaskCatalog tasks = TaskCatalog.load(tasksDir == null || tasksDir.isBlank() ? null : java.nio.file.Path.of(tasksDir));
        AccessTokenVerifier tokens = AccessTokenVerifier.fromSettings(settings);
        tokens.loadSigningKeys();
        ApiKeyStore apiKeys = new ApiKeyStore(db);
        Gateway gateway = new Gateway(gatewayConfig);
        QuotaGate quota = new QuotaGate(db);
        GatewayEndpoints endpoints = new GatewayEndpoints(new ObjectMapper(), new Authenticator(tokens, apiKeys), gateway, quota, tasks);
        Javalin app = HttpApi.create(settings, new Health(db, gateway::breakerStates, quota::settlerRunning), endpoints).start();
        return new Gatehouse(app, gateway, quota, apiKeys, endpoints);
    }

    public int port() {
        return app.port();
    }

    /**
     * Shuts down in the order that loses no settlement: stop taking AI requests and end open streams
     * with an error event; wait (bounded) for every admitted request to finish and queue its
     * settlement; stop the HTTP server; write every queued settlement; then the caller closes the pool.
     */
    @Override
    public void close() {
        if (!endpoints.drain(DRAIN_BOUND)) {
            log.warn("shutdown: AI requests still running after {} s; their reservations are charged when they expire", DRAIN_BOUND.toSeconds());
        }
        app.stop();
        quota.close();
        apiKeys.close();
        gateway.close();
    }
}
