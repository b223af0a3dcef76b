package dev.gatehouse.ops;

import io.javalin.http.Context;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import dev.gatehouse.jobs.QueueMetrics;
import javax.sql.DataSource;

/**
 * Liveness ({@code /health}: the process serves) and readiness ({@code /ready}: the database answers
 * and at least one AI deployment's circuit breaker lets calls through).
 */
public final class Health {
    private final DataSource db;
    private final Supplier<Map<String, String>> breakers;
    private final QueueMetrics queues;
    private final java.util.function.BooleanSupplier settlerRunning;

    /**
     * @param breakers       each enabled deployment's circuit-breaker state (CLOSED, OPEN, HALF_OPEN, ...)
     * @param settlerRunning whether usage settlement is being written: a dead settler fails readiness
     */
    public Health(DataSource db, Supplier<Map<String, String>> breakers, java.util.function.BooleanSupplier settlerRunning) {
        this(db, breakers, QueueMetrics.NONE, settlerRunning);
    }

    /** @param queues the email outbox's and job queue's depth, oldest pending age and dead rows (reported, never failing readiness) */
    public Health(DataSource db, Supplier<Map<String, String>> breakers, QueueMetrics queues, java.util.function.BooleanSupplier settlerRunning) {
        this.db = db;
        this.breakers = breakers;
        this.queues = queues;
        this.settlerRunning = settlerRunning;
    }

    public void live(Context ctx) {
        ctx.json(Map.of("status", "ok"));
    }

    public void ready(Context ctx) {
        Map<String, Object> checks = new LinkedHashMap<>();
        boolean ok = true;
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("select 1");
            checks.put("database", "ok");
        } catch (Exception e) {
            ok = false;
            checks.put("database", "unreachable");
        }
        boolean settling = settlerRunning.getAsBoolean();
        checks.put("settlement", settling ? "ok" : "stopped");
        ok &= settling;
        if (ok) {
            checks.put("queues", queues.queueStats());
        }
        Map<String, String> providers = breakers.get();
        checks.put("providers", providers);
        if (!providers.isEmpty() && providers.values().stream().allMatch("OPEN"::equals)) {
            ok = false;
        }
        ctx.status(ok ? 200 : 503).json(Map.of("status", ok ? "ready" : "not_ready", "checks", checks));
    }
}
