package dev.gatehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.MediaGateway;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.GatewayConfig;
import dev.gatehouse.ai.config.GatewayConfigLoader;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.auth.AccessTokenVerifier;
import dev.gatehouse.auth.ApiKeyStore;
import dev.gatehouse.auth.AuthUserStatuses;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.billing.BillingSettings;
import dev.gatehouse.billing.Checkout;
import dev.gatehouse.billing.StripeApi;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.config.Settings;
import dev.gatehouse.email.EmailOutbox;
import dev.gatehouse.email.EmailSettings;
import dev.gatehouse.email.HookSignature;
import dev.gatehouse.email.SendEmailHook;
import dev.gatehouse.jobs.CertificateJob;
import dev.gatehouse.jobs.Certificates;
import dev.gatehouse.jobs.HomeworkFeedbackJob;
import dev.gatehouse.jobs.Job;
import dev.gatehouse.jobs.JobQueue;
import dev.gatehouse.jobs.JobSettings;
import dev.gatehouse.jobs.MeetingLinkJob;
import dev.gatehouse.jobs.Notifications;
import dev.gatehouse.jobs.PruneJob;
import dev.gatehouse.jobs.ZoomClient;
import dev.gatehouse.jobs.QueueMetrics;
import dev.gatehouse.jobs.QueueStats;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.jobs.QueueEvents;
import dev.gatehouse.ops.ErrorReports;
import dev.gatehouse.ops.Health;
import dev.gatehouse.ops.Metrics;
import dev.gatehouse.ops.OpsAccess;
import dev.gatehouse.ops.OpsSettings;
import dev.gatehouse.web.OpsEndpoints;
import dev.gatehouse.web.CertificateEndpoints;
import dev.gatehouse.web.EmailEndpoints;
import dev.gatehouse.imports.LocalStorageImport;
import dev.gatehouse.sales.CallAnalyses;
import dev.gatehouse.storage.ObjectStore;
import dev.gatehouse.taskcache.TaskResultCache;
import dev.gatehouse.web.BillingEndpoints;
import dev.gatehouse.web.GatewayEndpoints;
import dev.gatehouse.web.ImportEndpoints;
import dev.gatehouse.web.MediaEndpoints;
import dev.gatehouse.web.MentorEndpoints;
import dev.gatehouse.web.SalesEndpoints;
import dev.gatehouse.web.SisterApps;
import dev.gatehouse.web.HttpApi;
import io.javalin.Javalin;
import java.util.List;
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
    private final AuthUserStatuses userStatuses;
    private final Background background;
    private final GatewayEndpoints endpoints;
    private final Metrics metrics;
    private final ErrorReports errors;
    /** How long shutdown waits for admitted requests to finish after ending the open streams. */
    private static final java.time.Duration DRAIN_BOUND = java.time.Duration.ofSeconds(20);

    private Gatehouse(Javalin app, Gateway gateway, QuotaGate quota, ApiKeyStore apiKeys, AuthUserStatuses userStatuses, Background background,
            GatewayEndpoints endpoints, Metrics metrics, ErrorReports errors) {
        this.userStatuses = userStatuses;
        this.metrics = metrics;
        this.errors = errors;
        this.endpoints = endpoints;
        this.app = app;
        this.gateway = gateway;
        this.quota = quota;
        this.apiKeys = apiKeys;
        this.background = background;
    }

    /** The workers that drain the outbox and the job queue, and the LISTEN connection that wakes them. */
    private record Background(Notifications notifications, EmailOutbox outbox, JobQueue jobs, String mail) implements QueueMetrics, AutoCloseable {
        static Background start(DataSource db, Settings settings, Map<String, String> env, Gateway gateway, QuotaGate quota, TaskCatalog tasks,
                ObjectStore files, QueueEvents events) {
            EmailSettings email = EmailSettings.load(env, settings.mode(), settings.dataDir());
            JobSettings jobSettings = JobSettings.load(env, settings.mode(), settings.port());
            EmailOutbox outbox = EmailOutbox.start(db, email, events);
            ZoomClient zoom = jobSettings.zoom() == null ? null
                    : new ZoomClient(ZoomClient.defaultHttpClient(), jobSettings.zoom(), java.time.Clock.systemUTC());
            List<Job> kinds = new java.util.ArrayList<>(MeetingLinkJob.all(db, zoom));
            kinds.add(new HomeworkFeedbackJob(db, gateway, quota, tasks, jobSettings.billingUser()));
            kinds.add(new CertificateJob(db, files, jobSettings.publicUrl()));
            kinds.add(new PruneJob(db));
            JobQueue jobs = JobQueue.start(db, jobSettings.queue(), kinds, events);
            if (jobSettings.queue().enabled()) {
                try {
                    PruneJob.scheduleThisHour(db);
                } catch (java.sql.SQLException e) {
                    log.warn("cannot queue this hour's pruning ({}); the next start queues it", e.getMessage());
                }
            }
            Notifications notifications = new Notifications(db).on("email_outbox", outbox::wake).on("jobs", jobs::wake).start();
            return new Background(notifications, outbox, jobs, email.describe());
        }

        @Override
        public Map<String, QueueStats> queueStats() {
            Map<String, QueueStats> stats = new java.util.LinkedHashMap<>();
            try {
                stats.put("email_outbox", outbox.stats());
                stats.put("jobs", jobs.stats());
            } catch (java.sql.SQLException e) {
                log.warn("queue stats unavailable: {}", e.getMessage());
            }
            return stats;
        }

        @Override
        public void close() {
            notifications.close();
            outbox.close();
            jobs.close();
        }
    }

    /** Builds and starts the service on {@code settings}' host and port against {@code db}. */
    public static Gatehouse start(Settings settings, DataSource db, Map<String, String> env) {
        OpsSettings ops = OpsSettings.load(env, settings.mode(), settings.dataDir());
        ErrorReports errors = ErrorReports.start(ops.sentryDsn(), ops.sentryEnvironment());
        Metrics metrics = new Metrics();
        metrics.bindPool(db);
        GatewayConfig gatewayConfig = GatewayConfigLoader.load(env, settings.mode());
        log.info(gatewayConfig.describe());
        gatewayConfig.warnings().forEach(log::warn);
        String tasksDir = env.get("GATEHOUSE_TASKS_DIR");
        TaskCatalog tasks = TaskCatalog.load(tasksDir == null || tasksDir.isBlank() ? null : java.nio.file.Path.of(tasksDir));
        AccessTokenVerifier tokens = AccessTokenVerifier.fromSettings(settings);
        tokens.loadSigningKeys();
        ApiKeyStore apiKeys = new ApiKeyStore(db);
        Gateway gateway = new Gateway(gatewayConfig, metrics);
        metrics.bindGateway(gateway);
        // Quota leases (issue 14) unless GATEHOUSE_QUOTA_LEASES=off: then every request is admitted and settled one by one.
        boolean leases = !"off".equalsIgnoreCase(String.valueOf(env.getOrDefault("GATEHOUSE_QUOTA_LEASES", "on")).strip());
        QuotaGate quota = new QuotaGate(db, metrics, leases);
        log.info("quota: {}", leases ? "per-instance leases (GATEHOUSE_QUOTA_LEASES=off admits every request in Postgres)" : "every request admitted in Postgres (leases off)");
        metrics.bindSettlementQueue(quota::queued);
        ObjectMapper json = OpenAiJson.pooledMapper();
        AuthUserStatuses userStatuses = AuthUserStatuses.of(db);
        Authenticator authenticator = new Authenticator(tokens, apiKeys, userStatuses);
        GatewayEndpoints endpoints = new GatewayEndpoints(json, authenticator, gateway, quota, tasks,
                new TaskResultCache(db));
        ObjectStore files = ObjectStore.fromEnvironment(env, settings.mode(), settings.dataDir(), settings.supabaseUrl());
        log.info("file storage (resumes, certificates): {}", files.getClass().getSimpleName());
        MentorEndpoints mentor = new MentorEndpoints(json, endpoints, tasks, files);
        SalesEndpoints sales = new SalesEndpoints(json, endpoints, tasks, new CallAnalyses(db));
        ImportEndpoints imports = new ImportEndpoints(json, authenticator, endpoints, new LocalStorageImport(db));
        MediaGateway media = new MediaGateway(gatewayConfig, Gateway.defaultHttpClient());
        HookSignature hookSignature = HookSignature.parse(env.get("SEND_EMAIL_HOOK_SECRET"), java.time.Clock.systemUTC());
        Background background = Background.start(db, settings, env, gateway, quota, tasks, files, metrics);
        metrics.bindQueues(background);
        EmailEndpoints email = new EmailEndpoints(new SendEmailHook(db, hookSignature, background.outbox()::wake));
        // A webhook that applied (a plan may have changed) gives back this instance's quota leases at once.
        BillingEndpoints billing = billing(settings, db, env, authenticator, (type, result) -> {
            metrics.received(type, result);
            if ("applied".equals(result)) {
                quota.plansChanged();
            }
        });
        Health health = new Health(db, gateway::breakerStates, background, quota::settlerRunning,
                new Health.Email(background.mail(), metrics::emailFailuresInARow), ops.readiness());
        OpsEndpoints opsEndpoints = new OpsEndpoints(metrics, new OpsAccess(ops.opsToken(), authenticator, db));
        log.info("operations: GET /metrics {}; GET /status for admins{}", ops.opsToken() != null ? "with the ops token" : "off (no GATEHOUSE_OPS_TOKEN)",
                ops.opsToken() != null ? " and the ops token" : "");
        Javalin app = HttpApi.create(settings, health, endpoints, email,
                new CertificateEndpoints(new Certificates(db)), new SisterApps(mentor, sales, imports,
                new MediaEndpoints(endpoints, gateway, media, quota)), billing, opsEndpoints).start();
        return new Gatehouse(app, gateway, quota, apiKeys, userStatuses, background, endpoints, metrics, errors);
    }

    private static BillingEndpoints billing(Settings settings, DataSource db, Map<String, String> env, Authenticator auth,
            StripeWebhook.Deliveries deliveries) {
        BillingSettings stripe = BillingSettings.load(env, settings.mode(), settings.dataDir());
        log.info("billing: Stripe API {}, webhook {}", stripe.apiConfigured() ? "configured" : "not configured (checkout and portal answer 503)",
                stripe.webhookConfigured() ? "verifying with " + stripe.webhookSecrets().size() + " secret(s)" : "off (503)");
        Checkout checkout = new Checkout(stripe, stripe.apiConfigured() ? new StripeApi(stripe) : null, db);
        return new BillingEndpoints(new ObjectMapper(), auth, checkout, new StripeWebhook(stripe.webhookSecrets(), db, java.time.Clock.systemUTC(), deliveries));
    }

    public int port() {
        return app.port();
    }

    /** {@code "METHOD path"} of every HTTP route served (the OpenAPI document must describe each). */
    public List<String> routes() {
        return HttpApi.routes(app);
    }

    /** Where email goes (Resend, the dev mailbox, or nowhere on this instance), for the start-up banner. */
    public String mailDestination() {
        return background.mail();
    }

    /** The model aliases served, for the start-up banner, naming those the offline dev model answers for. */
    public String servedModels() {
        Map<String, String> standIns = gateway.devStandIns();
        List<String> real = gateway.servableModels().stream().filter(m -> !standIns.containsKey(m)).toList();
        String served = real.isEmpty() ? "none" : String.join(", ", real);
        return standIns.isEmpty() ? served
                : served + "; answered by " + String.join("/", new java.util.LinkedHashSet<>(standIns.values())) + " (no provider key set): "
                        + String.join(", ", standIns.keySet());
    }

    /**
     * Shuts down in the order that loses no settlement: stop taking AI requests and end open streams
     * with an error event; wait (bounded) for every admitted request to finish and queue its
     * settlement; stop the HTTP server; stop the outbox and job workers (they release their leases); write every
     * queued settlement; then the caller closes the pool.
     */
    @Override
    public void close() {
        if (!endpoints.drain(DRAIN_BOUND)) {
            log.warn("shutdown: AI requests still running after {} s; their reservations are charged when they expire", DRAIN_BOUND.toSeconds());
        }
        app.stop();
        background.close();
        quota.close();
        apiKeys.close();
        userStatuses.close();
        gateway.close();
        metrics.close();
        errors.close();
    }
}
