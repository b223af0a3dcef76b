package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.stream.SseWriter;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.quota.Admission;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.quota.RateLimitHeaders;
import dev.gatehouse.quota.Settlement;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One AI request from admission to settlement, shared by chat completions and tasks: admit (one
 * SQL round trip), send the rate-limit headers, call the gateway bound to what was granted, answer,
 * and settle the actual usage in the background. A request that fails everywhere is settled as
 * {@code failed}, which gives its request back.
 */
final class GatewayCall {
    static final String DEV_STAND_IN_HEADER = "x-gatehouse-dev-stand-in";
    private final Gateway gateway;
    private final QuotaGate quota;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final Object idle = new Object();
    private volatile boolean draining;

    GatewayCall(Gateway gateway, QuotaGate quota) {
        this.gateway = gateway;
        this.quota = quota;
    }

    /**
     * @param unbound the validated request, not yet bound to the plan's output limit
     * @param task    the task name, or null for raw chat
     * @param shape   turns a whole answer into the response body (streams are relayed as they are)
     */
    void run(Context ctx, Caller caller, ChatRequest unbound, String task, Function<Completion, ObjectNode> shape) {
        guarded(() -> admitAndCall(ctx, caller, unbound, task, completion -> ctx.json(shape.apply(completion))));
    }

    /**
     * Runs a raw chat request: a whole answer is written as the gateway's bytes ({@link Completion#json()}),
     * relayed from an OpenAI-compatible upstream without re-parsing.
     */
    void relay(Context ctx, Caller caller, ChatRequest unbound) {
        guarded(() -> admitAndCall(ctx, caller, unbound, null,
                completion -> ctx.contentType(ContentType.APPLICATION_JSON).result(completion.json())));
    }

    /** Runs one AI request's admission-to-settlement {@code work} as a request {@link #drain} waits for; 503 once draining. */
    void guarded(Runnable work) {
        inFlight.incrementAndGet();
        try {
            if (draining) {
                throw Refusal.unavailable("server_shutting_down", "The service is restarting; the request was not sent or charged. Retry shortly.");
            }
            work.run();
        } finally {
            if (inFlight.decrementAndGet() == 0 && draining) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    /**
     * Shutdown, first step: refuse new AI requests (503), end open streams with an error event, and
     * wait up to {@code bound} for every admitted request to finish and queue its settlement.
     *
     * @return whether every request finished within the bound
     */
    boolean drain(java.time.Duration bound) {
        draining = true;
        gateway.endStreams();
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    idle.wait(Math.max(1, Math.min(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left), 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void admitAndCall(Context ctx, Caller caller, ChatRequest unbound, String task, Consumer<Completion> answer) {
        UUID requestId = RequestIds.of(ctx);
        int requested = unbound.maxTokens(-1);
        Admission admission = quota.admit(new QuotaGate.Ask(requestId, caller.userId(), caller.apiKeyId(), unbound.alias(), task,
                unbound.streaming(), gateway.promptTokens(unbound), requested > 0 ? requested : null));
        Map<String, String> headers = RateLimitHeaders.of(admission.limits(), Instant.now());
        headers.forEach(ctx::header);
        switch (admission) {
            case Admission.Rejected r -> throw rejection(r);
            case Admission.Admitted a -> {
                ChatRequest bound = new ChatRequest(unbound.body(), servedAs(ctx, gateway, unbound.alias()),
                        Math.max(a.grantedOutputTokens(), 1), RequestIds.shown(ctx));
                Usage usage = null;
                try {
                    if (bound.streaming()) {
                        usage = gateway.stream(bound, new SseWriter(() -> {
                            ctx.status(200).contentType("text/event-stream; charset=utf-8");
                            ctx.header("Cache-Control", "no-cache");
                            ctx.header("X-Accel-Buffering", "no");
                            // The servlet stream, not ctx.outputStream(): that one is compressed and buffered whole.
                            return ctx.res().getOutputStream();
                        }, () -> quota.releaseStream(requestId))).usage();
                    } else {
                        Completion completion = gateway.complete(bound);
                        usage = completion.usage();
                        // Shaping may still refuse the answer (a task's output not matching its schema):
                        // the model's work was done, so it is charged all the same.
                        answer.accept(completion);
                    }
                } finally {
                    // Exactly one settlement per admission: what the gateway reported, else nothing used.
                    if (usage != null) {
                        settle(requestId, usage);
                        quota.events().charged(a.limits().planId(), unbound.alias(), usage.promptTokens(), usage.completionTokens());
                    } else {
                        quota.settleLater(new Settlement(requestId, "failed", 0, 0, null, 0, "none"));
                    }
                }
            }
        }
    }

    private void settle(UUID requestId, Usage u) {
        quota.settleLater(settlement(requestId, u, u.source().name().toLowerCase(Locale.ROOT)));
    }

    /** What settles {@code u}, its tokens counted as {@code usageSource} says ({@code public.ai_usage.usage_source}). */
    static Settlement settlement(UUID requestId, Usage u, String usageSource) {
        return new Settlement(requestId, u.outcome().name().toLowerCase(Locale.ROOT), u.promptTokens(), u.completionTokens(),
                u.deployment(), (int) Math.min(u.latency().toMillis(), Integer.MAX_VALUE), usageSource);
    }

    /**
     * The alias whose route answers {@code alias}: itself, or in dev mode without provider keys the
     * offline model, which then answers under its own name and says for whom in a header.
     */
    static String servedAs(Context ctx, Gateway gateway, String alias) {
        String standIn = gateway.devStandIns().get(alias);
        if (standIn == null) {
            return alias;
        }
        ctx.header(DEV_STAND_IN_HEADER, standIn + " answered for " + alias + " (dev mode, no provider key set)");
        return standIn;
    }

    static Refusal rejection(Admission.Rejected r) {
        Map<String, String> headers = new HashMap<>();
        String retry = Integer.toString(Math.max(r.retryAfterSeconds(), 1));
        var l = r.limits();
        return switch (r.reason()) {
            case RATE_LIMIT_EXCEEDED -> {
                headers.put("Retry-After", retry);
                yield new Refusal(429, "requests", r.reason().code(), null,
                        "Rate limit reached: your plan allows " + l.rpmLimit() + " requests per minute. Retry after " + retry + " s.", headers);
            }
            case INSUFFICIENT_QUOTA -> {
                headers.put("Retry-After", retry);
                yield new Refusal(429, "insufficient_quota", r.reason().code(), null,
                        "You exceeded your plan's quota for this period (" + describeQuota(l) + "). It resets at " + l.periodEnd()
                                + "; upgrade your plan for more.", headers);
            }
            case TOO_MANY_STREAMS -> {
                headers.put("Retry-After", retry);
                yield new Refusal(429, "requests", r.reason().code(), null,
                        "Too many streams open at once for your plan; finish or cancel one first.", headers);
            }
            case MODEL_NOT_ALLOWED -> Refusal.forbidden(r.reason().code(), "Your plan (" + l.planId() + ") does not include this model.");
            case RAW_CHAT_NOT_ALLOWED -> Refusal.forbidden(r.reason().code(),
                    "Your plan (" + l.planId() + ") allows AI tasks (POST /v1/tasks/{task}) but not free-form chat.");
            case TASK_NOT_ALLOWED -> Refusal.forbidden(r.reason().code(), "Your plan (" + l.planId() + ") does not include this task.");
        };
    }

    private static String describeQuota(dev.gatehouse.quota.Limits l) {
        String requests = l.requestsLimit() == null ? "unlimited requests" : l.requestsUsed() + " of " + l.requestsLimit() + " requests used";
        String tokens = l.tokensLimit() == null ? "" : ", " + l.tokensUsed() + " of " + l.tokensLimit() + " tokens used";
        return requests + tokens;
    }
}
