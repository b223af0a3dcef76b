package dev.gatehouse.web;

import dev.gatehouse.ops.Metrics;
import dev.gatehouse.ops.OpsAccess;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The operator views: {@code GET /metrics} (Prometheus text, ops token only) and the status page,
 * {@code GET /status} (a page with no data in it, its script and uPlot, all served from the jar) whose
 * script reads {@code GET /status/data} with the ops token or an admin's access token.
 */
public final class OpsEndpoints {
    /** uPlot's files inside its webjar; keep in step with {@code uplot.version} in pom.xml (OpsEndpointsTest loads them). */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final Map<String, String[]> ASSETS = Map.of(
            "status.js", new String[] {"ops/status.js", "text/javascript; charset=utf-8"},
            "status.css", new String[] {"ops/status.css", "text/css; charset=utf-8"},
            "uplot.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "uplot.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"},
            "uplot-license.txt", new String[] {"META-INF/resources/webjars/uplot/1.6.30/LICENSE", "text/plain; charset=utf-8"});

    private final Metrics metrics;
    private final OpsAccess access;
    private final byte[] page;
    private final Map<String, byte[]> assets;

    public OpsEndpoints(Metrics metrics, OpsAccess access) {
        this.metrics = metrics;
        this.access = access;
        this.page = resource("ops/status.html");
        this.assets = new java.util.HashMap<>();
        ASSETS.forEach((name, file) -> assets.put(name, resource(file[0])));
    }

    Metrics metrics() {
        return metrics;
    }

    public void metrics(Context ctx) {
        access.requireToken(ctx.header("Authorization"));
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    public void statusPage(Context ctx) {
        ctx.contentType("text/html; charset=utf-8").result(page);
    }

    public void statusData(Context ctx) {
        access.requireTokenOrAdmin(ctx.header("Authorization"));
        ctx.json(metrics.status());
    }

    public void asset(Context ctx) {
        String name = ctx.pathParam("asset");
        byte[] body = assets.get(name);
        if (body == null) {
            throw Refusal.notFound("No such file of the status page: " + name);
        }
        ctx.contentType(ASSETS.get(name)[1]).result(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = OpsEndpoints.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " (is the uPlot webjar on the classpath?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
