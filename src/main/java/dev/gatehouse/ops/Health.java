package dev.gatehouse.ops;

import io.javalin.http.Context;
import java.sql.Connection;
import java.sql.Statement;
import dev.gatehouse.jobs.QueueStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import dev.gatehouse.jobs.QueueMetrics;
import javax.sql.DataSource;

/**
 * Liveness ({@code /health}: the process serves, no dependency checked) and readiness ({@code /ready}:
 * the database answers, the settler runs, at least one AI deployment's circuit breaker lets calls
 * through, the email provider is not failing every delivery, and the queues are within their limits).
 * A 503 names every failing check in {@code failing}.
 */
public final class Health {
    private final DataSource db;
    private final Supplier<Map<String, String>> breakers;
    private final QueueMetrics queues;
    private final java.util.function.BooleanSupplier settlerRunning;
    private final Email email;
    private final OpsSettings.Readiness limits;

    /**
     * The email provider as readiness sees it.
     *
     * @param destination    where mail goes (Resend, the dev mailbox, or another instance)
     * @param failuresInARow delivery attempts that failed one after another since the last that went through
     */
    public record Email(String destination, java.util.function.IntSupplier failuresInARow) {
        public static final Email UNKNOWN = new Email("unknown", () -> 0);
    }

    /**
     * @param breakers       each enabled deployment's circuit-breaker state (CLOSED, OPEN, HALF_OPEN, ...)
     * @param settlerRunning whether usage settlement is being written: a dead settler fails readiness
     */
    public Health(DataSource db, Supplier<Map<String, String>> breakers, java.util.function.BooleanSupplier settlerRunning) {
        this(db, breakers, QueueMetrics.NONE, settlerRunning);
    }

    /** @param queues the email outbox's and job queue's depth, oldest pending age and dead rows (reported, never failing readiness) */
    public Health(DataSource db, Supplier<Map<String, String>> breakers, QueueMetrics queues, java.util.function.BooleanSupplier settlerRunning) {
        this(db, breakers, queues, settlerRunning, Email.UNKNOWN, OpsSettings.Readiness.DEFAULTS);
    }

    /** @param limits the queue depth, age and dead count, and the email failures in a row, past which readiness fails */
    public Health(DataSource db, Supplier<Map<String, String>> breakers, QueueMetrics queues, java.util.function.BooleanSupplier settlerRunning,
            Email email, OpsSettings.Readiness limits) {
        this.email = email;
        this.limits = limits;
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
        List<String> failing = new ArrayList<>();
        boolean database = true;
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("select 1");
            checks.put("database", "ok");
        } catch (Exception e) {
            database = false;
            failing.add("database");
            checks.put("database", "unreachable");
        }
        boolean settling = settlerRunning.getAsBoolean();
        checks.put("settlement", settling ? "ok" : "stopped");
        if (!settling) {
            failing.add("settlement");
        }
        if (database && settling) {
            Map<String, QueueStats> stats = queues.queueStats();
            checks.put("queues", stats);
            stats.forEach((name, q) -> {
                if (q.depth() > limits.maxOutboxDepth()) {
                    failing.add("queues." + name + ".depth");
                }
                if (q.oldestPendingAgeSeconds() > limits.maxOutboxAgeSeconds()) {
                    failing.add("queues." + name + ".oldestPendingAgeSeconds");
                }
                if (q.dead() > limits.maxOutboxDead()) {
                    failing.add("queues." + name + ".dead");
                }
            });
        }
        Map<String, String> providers = breakers.get();
        checks.put("providers", providers);
        if (!providers.isEmpty() && providers.values().stream().allMatch("OPEN"::equals)) {
            failing.add("providers");
        }
        int emailFailures = email.failuresInARow().getAsInt();
        boolean emailOk = emailFailures < limits.maxEmailFailures();
        checks.put("email", Map.of("status", emailOk ? "ok" : "failing", "destination", email.destination(), "failures_in_a_row", emailFailures));
        if (!emailOk) {
            failing.add("email");
        }
        boolean ok = failing.isEmpty();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "ready" : "not_ready");
        if (!ok) {
            body.put("failing", failing);
        }
        body.put("checks", checks);
        ctx.status(ok ? 200 : 503).json(body);
    }
}
