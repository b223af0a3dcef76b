package dev.gatehouse.web;

import dev.gatehouse.auth.BearerCredentials;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.config.Settings;
import dev.gatehouse.ops.Health;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Wires every route of the service in one readable place, with plain constructors. */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    public static final String REQUEST_ID = "x-request-id";
    /** Room for the largest allowed prompt (200k characters, JSON-escaped). */
    static final long MAX_BODY_BYTES = 2_000_000;
    /**
     * Jetty's limit on the whole header block, set from the service's own credential limit plus room for a
     * browser's other headers, so an over-long bearer gets the service's 401 rather than Jetty's 431.
     */
    static final int MAX_HEADER_BYTES = BearerCredentials.MAX_LENGTH + 16 * 1024;

    /** Javalin's copy buffer from a result to the response (see where it is set). */
    private static final int RESULT_COPY_BYTES = 4096;

    /** How long Jetty's stop waits for requests in progress, after the gateway's own drain of AI calls. */
    private static final long STOP_TIMEOUT_MS = 10_000;

    /**
     * Connections waiting to be accepted. Jetty's default (0) leaves the JDK's backlog of 50: a burst
     * of callers opening streams at once (thousands of browsers after a deploy, the benchmark's
     * 1,000 connects a second) overflowed it, and the kernel dropped their SYNs, so they waited 1, 3,
     * 7 s and timed out connecting. The kernel caps it at {@code net.core.somaxconn}.
     */
    static final int ACCEPT_QUEUE = 4096;

    private HttpApi() {}

    /** Sets {@link #ACCEPT_QUEUE} on the server's connectors as it starts (Javalin adds them after its server hooks run). */
    static void deepAcceptQueue(org.eclipse.jetty.server.Server server) {
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                for (org.eclipse.jetty.server.Connector c : server.getConnectors()) {
                    if (c instanceof org.eclipse.jetty.server.ServerConnector connector) {
                        connector.setAcceptQueueSize(ACCEPT_QUEUE);
                    }
                }
            }
        });
    }

    /** {@code "METHOD path"} of every route {@code app} registered (filters and preflights aside), as Javalin holds them. */
    public static java.util.List<String> routes(Javalin app) {
        java.util.Set<io.javalin.http.HandlerType> methods = java.util.Set.of(io.javalin.http.HandlerType.GET, io.javalin.http.HandlerType.POST,
                io.javalin.http.HandlerType.PUT, io.javalin.http.HandlerType.PATCH, io.javalin.http.HandlerType.DELETE);
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(e -> e.endpoint)
                .filter(e -> methods.contains(e.method)).map(e -> e.method + " " + e.path).distinct().sorted().toList();
    }

    private static void privatelyCacheable(io.javalin.http.Context ctx, int seconds) {
        if (ctx.status().getCode() == 200) {
            ctx.header("Cache-Control", "private, max-age=" + seconds);
            ctx.header("Vary", "Authorization, Origin");
        }
    }

    public static Javalin create(Settings settings, Health health, GatewayEndpoints ai, EmailEndpoints email,
            CertificateEndpoints certificates, SisterApps sister, BillingEndpoints billing, OpsEndpoints ops) {
        AccessLog access = new AccessLog(ops.metrics());
        CrossOrigin cors = new CrossOrigin(settings.corsOrigins());
        JettyErrors jettyErrors = new JettyErrors();
        PublicRateLimit publicLimit = new PublicRateLimit(settings.edge(), System::nanoTime);
        LoadShedder shedder = LoadShedder.of(settings.edge().shedLagMillis());
        ops.metrics().bindShedder(shedder::lagSeconds, shedder::share);
        ApiDocs docs = new ApiDocs();
        return Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = settings.bindHost();
            config.jetty.port = settings.port();
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.startup.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            // gzip for JSON and the docs' assets (above Javalin's 1.5 KB minimum); SSE streams write to the servlet's
            // own stream, which Javalin never compresses, so each chunk is still flushed as it comes.
            config.http.compressionStrategy = CompressionStrategy.GZIP;
            // Javalin copies each result to the response through a buffer of this size, allocated per response, and
            // defaults it to Jetty's output buffer (32 KiB): a third of everything a chat call allocated. A typical
            // answer fits in 4 KiB; a larger one is copied in a few passes. Jetty's own (pooled) output buffer stays.
            config.http.responseBufferSize = RESULT_COPY_BYTES;
            config.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize(MAX_HEADER_BYTES);
                // Jetty's per-connection header cache keeps each distinct short header value in a trie and clears
                // the trie when it fills. Every request here carries another bearer token (one connection from a
                // proxy or a browser tab serves many users and refreshes), so it was all inserts and clears, the
                // hottest frames of the edge in the benchmark's profile. Well-known headers and values still
                // come from Jetty's static cache.
                http.setHeaderCacheSize(0);
            });
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(jettyErrors);
                // Graceful stop: the connector stops accepting, and requests in progress (a handler that has
                // returned but whose response is not yet written, a webhook mid-transaction) get this long to finish.
                server.setStopTimeout(STOP_TIMEOUT_MS);
                deepAcceptQueue(server);
            });
            config.jetty.modifyServletContextHandler(context -> {
                context.setErrorHandler(jettyErrors);
                context.insertHandler(new GracefulHandler());
            });

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
                ctx.header("Cross-Origin-Opener-Policy", "same-origin");
                ctx.header("Cache-Control", "no-store");
                if (settings.edge().hsts()) {
                    ctx.header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
                }
            });
            config.routes.before(publicLimit::check);
            config.routes.before(cors::handle);
            // after CORS, so a browser can read the 503
            config.routes.before(shedder::check);
            config.events.serverStarted(shedder::start);
            config.events.serverStopping(shedder::close);

            config.routes.get("/openapi.json", docs::openapi);
            config.routes.get("/docs", docs::page);
            config.routes.get("/docs/assets/{file}", docs::asset);
            // Cacheable per caller: the answer depends on the caller's plan, so private, and varies by credential.
            config.routes.after("/v1/models", ctx -> privatelyCacheable(ctx, 60));
            config.routes.after("/v1/tasks", ctx -> privatelyCacheable(ctx, 300));

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
            config.routes.post("/v1/images/generations", sister.media()::images);
            config.routes.post("/v1/embeddings", sister.media()::embeddings);
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
