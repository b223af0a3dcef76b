package dev.gatehouse.web;

import dev.gatehouse.auth.BearerCredentials;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.config.Settings;
import dev.gatehouse.ops.Health;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Wires every route of the service in one readable place, with plain constructors. */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    public static final String REQUEST_ID = "x-request-id";
    /** Room for the largest allowed prompt (200k characters, JSON-escaped). */
    private static final long MAX_BODY_BYTES = 2_000_000;
    /**
     * Jetty's limit on the whole header block, set from the service's own credential limit plus room for a
     * browser's other headers, so an over-long bearer gets the service's 401 rather than Jetty's 431.
     */
    static final int MAX_HEADER_BYTES = BearerCredentials.MAX_LENGTH + 16 * 1024;

    private HttpApi() {}

    public static Javalin create(Settings settings, Health health, GatewayEndpoints ai, EmailEndpoints email,
            CertificateEndpoints certificates, SisterApps sister, BillingEndpoints billing, OpsEndpoints ops) {
        AccessLog access = new AccessLog(ops.metrics());
        CrossOrigin cors = new CrossOrigin(settings.corsOrigins());
        JettyErrors jettyErrors = new JettyErrors();
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = settings.bindHost();
            config.jetty.port = settings.port();
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(MAX_HEADER_BYTES));
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
            config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(jettyErrors));

            config.requestLogger.http(access::finished);
            config.routes.before(ctx -> {
                MDC.clear();
                String id = RequestIds.assign(ctx, ctx.header(REQUEST_ID));
                ctx.header(REQUEST_ID, id);
                MDC.put("request_id", id);
                if (!id.equals(RequestIds.header(RequestIds.of(ctx)))) {
                    MDC.put("request_key", RequestIds.header(RequestIds.of(ctx)));
                }
                ctx.header("X-Content-Type-Options", "nosniff");
                ctx.header("Referrer-Policy", "no-referrer");
                ctx.header("X-Frame-Options", "DENY");
                ctx.header("Cache-Control", "no-store");
            });
            config.routes.before(cors::handle);

            config.routes.get("/health", health::live);
            config.routes.get("/ready", health::ready);
            // operations (README: "Operations")
            config.routes.get("/metrics", ops::metrics);
            config.routes.get("/status", ops::statusPage);
            config.routes.get("/status/data", ops::statusData);
            config.routes.get("/status/{asset}", ops::asset);

            config.routes.post("/v1/chat/completions", ai::chatCompletions);
            config.routes.get("/v1/models", ai::models);
            config.routes.get("/v1/usage", ai::usage);
            config.routes.get("/v1/tasks", ai::listTasks);
            config.routes.post("/v1/tasks/{task}", ai::task);

            config.routes.post("/hooks/auth/send-email", email::sendEmailHook);
            config.routes.get("/certificates/{code}", certificates::verify);
            // sister apps (README: "Sister apps")
            config.routes.post("/v1/mentor/ask", sister.mentor()::ask);
            config.routes.post("/v1/mentor/resume", sister.mentor()::resume);
            config.routes.post("/v1/sales/call-analyses", sister.sales()::analyse);
            config.routes.post("/v1/import/{app}", sister.imports()::importApp);
            config.routes.post("/v1/billing/checkout", billing::checkout);
            config.routes.post("/v1/billing/portal", billing::portal);
            config.routes.post("/webhooks/stripe", billing::stripeWebhook);

            config.routes.exception(Refusal.class, (e, ctx) -> ErrorBodies.write(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> ErrorBodies.writeJavalin(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                ctx.status(500).json(ErrorBodies.body("Internal error; quote request id " + ctx.res().getHeader(REQUEST_ID) + " when reporting it.",
                        "server_error", null, "internal_error"));
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    ctx.json(ErrorBodies.body(ErrorBodies.noRoute(ctx), "invalid_request_error", null, "not_found"));
                }
            });
        });
    }
}
