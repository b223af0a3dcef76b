package dev.gatehouse.ops;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.UpstreamObserver;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.chat.UsageListener;
import dev.gatehouse.billing.StripeWebhook;
import dev.gatehouse.jobs.QueueEvents;
import dev.gatehouse.jobs.QueueMetrics;
import dev.gatehouse.jobs.QueueStats;
import dev.gatehouse.quota.Admission;
import dev.gatehouse.quota.QuotaEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's metrics (Micrometer, scraped in Prometheus' format from {@code GET /metrics}) and the
 * recent history the status page draws. Each domain reports through its own small listener
 * ({@link QuotaEvents}, {@link QueueEvents}, {@link UpstreamObserver}, {@link UsageListener},
 * {@link StripeWebhook.Deliveries}); this class is all of them. Every label is bounded: route
 * templates, deployments, model aliases, plan ids, reasons, event types, never users or raw paths.
 */
public final class Metrics implements QuotaEvents, QueueEvents, UpstreamObserver, UsageListener, StripeWebhook.Deliveries, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);
    /** Latency buckets, in seconds' terms: from a fast admission refusal to a long stream. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};
    private static final String EMAIL_QUEUE = "email-outbox";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RecentActivity recent = new RecentActivity();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "metrics-queue-sampler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger emailFailuresInARow = new AtomicInteger();
    private volatile Map<String, QueueStats> queues = Map.of();
    private volatile Gateway gateway;
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public Metrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** The connection pool's own metrics (HikariCP's Micrometer tracker), when {@code db} is a pool not yet tracked. */
    public void bindPool(DataSource db) {
        if (db instanceof HikariDataSource pool && pool.getMetricsTrackerFactory() == null && pool.getMetricRegistry() == null) {
            pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
    }

    /** Upstream attempts through the breakers' events, and each breaker's state as a gauge. */
    public void bindGateway(Gateway gateway) {
        this.gateway = gateway;
        gateway.observe(this);
        for (String deployment : gateway.breakerStates().keySet()) {
            for (String state : new String[] {"CLOSED", "OPEN", "HALF_OPEN", "FORCED_OPEN", "DISABLED"}) {
                Gauge.builder("gatehouse.circuit.breaker.state", () -> state.equals(gateway.breakerStates().get(deployment)) ? 1 : 0)
                        .description("1 for the deployment's current circuit breaker state").tags("deployment", deployment, "state", state)
                        .register(registry);
            }
        }
    }

    /** Queue depth, oldest pending age and dead rows, read every 10 s (one query per queue), for gauges and the status page. */
    public void bindQueues(QueueMetrics source) {
        for (String name : new String[] {EMAIL_QUEUE, "jobs"}) {
            String key = name.equals(EMAIL_QUEUE) ? "email_outbox" : name;
            Gauge.builder("gatehouse.queue.depth", () -> stat(key, QueueStats::depth)).tags("queue", name).register(registry);
            Gauge.builder("gatehouse.queue.oldest.pending.seconds", () -> stat(key, QueueStats::oldestPendingAgeSeconds)).tags("queue", name).register(registry);
            Gauge.builder("gatehouse.queue.dead", () -> stat(key, QueueStats::dead)).tags("queue", name).register(registry);
        }
        sampler.scheduleWithFixedDelay(() -> {
            try {
                queues = source.queueStats();
                recent.queues(queues);
            } catch (RuntimeException e) {
                log.warn("sampling the queues failed: {}", e.getMessage());
            }
        }, 0, RecentActivity.WINDOW_SECONDS, TimeUnit.SECONDS);
    }

    private double stat(String queue, java.util.function.ToDoubleFunction<QueueStats> of) {
        QueueStats s = queues.get(queue);
        return s == null ? Double.NaN : of.applyAsDouble(s);
    }

    /** The load shedder's scheduler lag and the share of AI calls it refuses, as gauges. */
    public void bindShedder(java.util.function.DoubleSupplier lagSeconds, java.util.function.DoubleSupplier share) {
        Gauge.builder("gatehouse.scheduler.lag.seconds", lagSeconds::getAsDouble)
                .description("how late the load shedder's 10 ms probe last ran: the wait of work ready to run").register(registry);
        Gauge.builder("gatehouse.shed.share", share::getAsDouble).description("share of new AI calls answered 503 overloaded").register(registry);
    }

    /** Settlements waiting to be written, as a gauge. */
    public void bindSettlementQueue(IntSupplier queued) {
        Gauge.builder("gatehouse.settlement.queue", queued::getAsInt).description("settlements waiting for the settler").register(registry);
    }

    /** One HTTP request, by its route template (never the raw path), method and status. */
    public void http(String method, String route, int status, long nanos) {
        timer("gatehouse.http.requests", null, "method", method, "route", route, "status", Integer.toString(status)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void succeeded(String deployment, Duration latency) {
        upstreamTimer(deployment, "ok").record(latency);
        recent.upstream(deployment, latency.toNanos(), false);
    }

    @Override
    public void failed(String deployment, String kind, Duration latency) {
        upstreamTimer(deployment, kind).record(latency);
        recent.upstream(deployment, latency.toNanos(), true);
    }

    private Timer upstreamTimer(String deployment, String result) {
        return timer("gatehouse.upstream.requests", "upstream attempts by deployment and result", "deployment", deployment, "result", result);
    }

    @Override
    public void skipped(String deployment) {
        counter("gatehouse.upstream.skipped", "attempts not made because the deployment's breaker was open", "deployment", deployment).increment();
        recent.skipped(deployment);
    }

    @Override
    public void breakerChanged(String deployment, String from, String to) {
        log.warn("circuit breaker of deployment {}: {} -> {}", deployment, from, to);
    }

    /** Fallbacks and requests every deployment failed, from each request's final usage. */
    @Override
    public void onUsage(Usage usage) {
        if (usage.outcome() == Outcome.FAILED) {
            counter("gatehouse.upstream.exhausted", "requests no deployment answered", "model", label(usage.alias())).increment();
            return;
        }
        Gateway g = gateway;
        if (g != null && usage.deployment() != null && !usage.deployment().equals(g.primaryDeployment(usage.alias()))) {
            counter("gatehouse.upstream.fallbacks", "requests answered by a deployment other than the route's first",
                    "model", usage.alias(), "deployment", usage.deployment()).increment();
        }
    }

    @Override
    public void admitted(String plan, String model) {
        counter("gatehouse.admissions", null, "plan", label(plan), "model", label(model)).increment();
    }

    @Override
    public void rejected(String plan, Admission.Reason reason) {
        counter("gatehouse.admission.rejections", null, "plan", label(plan), "reason", reason.code()).increment();
        recent.rejected(reason.code());
    }

    @Override
    public void charged(String plan, String model, int promptTokens, int completionTokens) {
        counter("gatehouse.tokens", null, "plan", label(plan), "model", label(model), "kind", "prompt").increment(promptTokens);
        counter("gatehouse.tokens", null, "plan", label(plan), "model", label(model), "kind", "completion").increment(completionTokens);
    }

    @Override
    public void settled(int rows, long oldestWaitNanos) {
        timer("gatehouse.settlement.lag", "from a request's end to its settlement being written (oldest of each batch)").record(oldestWaitNanos, TimeUnit.NANOSECONDS);
        counter("gatehouse.settlements", null).increment(rows);
    }

    @Override
    public void leaseWaited(long waitedNanos) {
        timer("gatehouse.quota.lease.wait", "requests whose admission waited for a quota lease to be taken in Postgres, and how long")
                .record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void leaseGrown(int requests) {
        counter("gatehouse.quota.lease.grants", "requests added to busy quota leases at their checks").increment(requests);
    }

    @Override
    public void finished(String queue, String kind, String result) {
        counter("gatehouse.queue.attempts", "queued rows attempted, by queue, kind (job kind or email template) and result",
                "queue", label(queue), "kind", label(kind), "result", label(result)).increment();
        if (queue.equals(EMAIL_QUEUE)) {
            if (result.equals("done")) {
                emailFailuresInARow.set(0);
            } else if (result.equals("retry") || result.equals("dead")) {
                emailFailuresInARow.incrementAndGet();
            }
        }
    }

    /** Email delivery attempts that failed one after another since the last one that went through (readiness). */
    public int emailFailuresInARow() {
        return emailFailuresInARow.get();
    }

    @Override
    public void received(String type, String result) {
        counter("gatehouse.webhook.events", null, "source", "stripe", "type", label(type), "result", label(result)).increment();
        recent.webhook(result);
    }

    /**
     * The timer of {@code name} and {@code tags} (key, value, ...), registered on first use. Building
     * and registering a meter per request (the tags sorted, the id hashed, the registry's lock taken)
     * cost more than recording; every label is bounded, so the map is too.
     */
    private Timer timer(String name, String description, String... tags) {
        List<String> key = key(name, tags);
        Timer t = timers.get(key);
        return t != null ? t : timers.computeIfAbsent(key, k -> Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(BUCKETS).register(registry));
    }

    /** The counter of {@code name} and {@code tags}, registered on first use (as {@link #timer}). */
    private Counter counter(String name, String description, String... tags) {
        List<String> key = key(name, tags);
        Counter c = counters.get(key);
        return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private static List<String> key(String name, String... tags) {
        String[] key = new String[tags.length + 1];
        key[0] = name;
        System.arraycopy(tags, 0, key, 1, tags.length);
        return Arrays.asList(key);
    }

    /** A label value that is never null: a missing one would throw inside a request's own path. */
    private static String label(String value) {
        return value == null ? "none" : value;
    }

    /** The whole registry in Prometheus' text format. */
    public String scrape() {
        return registry.scrape();
    }

    /** The status page's data: the recent series, each deployment's breaker state now, and the queues now. */
    public Map<String, Object> status() {
        Map<String, Object> out = new java.util.LinkedHashMap<>(recent.series());
        Gateway g = gateway;
        out.put("breakers", g == null ? Map.of() : g.breakerStates());
        out.put("queues_now", queues);
        out.put("generated_at", System.currentTimeMillis() / 1000);
        return out;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        gc.close();
        registry.close();
    }
}
