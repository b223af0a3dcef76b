package dev.gatehouse.ops;

import io.javalin.http.Context;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Liveness ({@code /health}: the process serves) and readiness ({@code /ready}: its dependencies answer). */
public final class Health {
    private final DataSource db;

    public Health(DataSource db) {
        this.db = db;
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
        ctx.status(ok ? 200 : 503).json(Map.of("status", ok ? "ready" : "not_ready", "checks", checks));
    }
}
