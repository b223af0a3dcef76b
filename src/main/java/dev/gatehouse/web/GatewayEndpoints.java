package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.tasks.RenderedTask;
import dev.gatehouse.ai.tasks.Task;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.quota.UsageSummary;
import dev.gatehouse.taskcache.TaskResultCache;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * The OpenAI-compatible AI endpoints: {@code POST /v1/chat/completions}, {@code GET /v1/models},
 * {@code GET /v1/usage}, {@code GET /v1/tasks} and {@code POST /v1/tasks/{task}}. Each authenticates
 * (a Supabase access token or a {@code gh_} API key with the right scope), validates, and hands the
 * call to {@link GatewayCall}.
 */
public final class GatewayEndpoints {
    /** The unbound request's output limit: the plan's limit is applied at admission. */
    private static final int UNBOUND = Integer.MAX_VALUE;

    private final ObjectMapper json;
    private final Authenticator auth;
    private final Gateway gateway;
    private final QuotaGate quota;
    private final TaskCatalog tasks;
    private final GatewayCall call;
    private final JsonBodies bodies;
    private final TaskResultCache results;

    public GatewayEndpoints(ObjectMapper json, Authenticator auth, Gateway gateway, QuotaGate quota, TaskCatalog tasks, TaskResultCache results) {
        this.json = json;
        this.auth = auth;
        this.gateway = gateway;
        this.quota = quota;
        this.tasks = tasks;
        this.call = new GatewayCall(gateway, quota);
        this.bodies = new JsonBodies(json);
        this.results = results;
    }

    /** Stops taking AI requests and waits, up to {@code bound}, for those admitted to finish (see {@link GatewayCall#drain}). */
    public boolean drain(java.time.Duration bound) {
        return call.drain(bound);
    }

    /** Runs another AI endpoint's admitted work so that shutdown waits for it as for chat (see {@link GatewayCall#guarded}). */
    void guarded(Runnable work) {
        call.guarded(work);
    }

    public void chatCompletions(Context ctx) {
        Caller caller = caller(ctx, "chat");
        ChatRequest request = gateway.parse(body(ctx), UNBOUND, RequestIds.shown(ctx));
        call.relay(ctx, caller, request);
    }

    public void task(Context ctx) {
        Caller caller = caller(ctx, "tasks");
        Task task = tasks.require(ctx.pathParam("task"));
        runTask(ctx, caller, task, body(ctx), (output, completion, request) -> {
            ObjectNode out = json.createObjectNode();
            out.put("object", "task.result");
            out.put("id", completion.body().path("id").asText());
            out.put("task", task.name());
            out.put("model", completion.body().path("model").asText(request.alias()));
            out.set("output", output);
            out.put("finish_reason", completion.body().path("choices").path(0).path("finish_reason").asText(null));
            out.set("usage", completion.body().path("usage"));
            return out;
        });
    }

    /** Turns a task's parsed output into the response body (and may act on it first, e.g. save it). */
    interface TaskAnswer {
        ObjectNode shape(JsonNode output, Completion completion, ChatRequest request);
    }

    /**
     * Renders {@code task} from {@code body} ({@code variables}, optional {@code model}) and runs it for {@code caller}.
     * A task with a cache TTL answers a fresh cached result without admission or a provider call (free:
     * no request, no tokens), caches each new result, and when every provider fails (502/503) answers its
     * last result for the same input, however old, with {@code "cached": true} and
     * {@code x-gatehouse-cache: stale}; that failed call is settled as failed, so it is never charged.
     */
    void runTask(Context ctx, Caller caller, Task task, JsonNode body, TaskAnswer answer) {
        RenderedTask rendered = task.render(body);
        if (!body.has("model") && !gateway.servableModels().contains(rendered.model()) && !gateway.servableModels().isEmpty()) {
            // The task's default model has no configured provider here (e.g. dev mode without keys):
            // use the first model that can be served rather than fail a request the caller could not fix.
            rendered.request().put("model", gateway.servableModels().getFirst());
        }
        ChatRequest request = gateway.parse(rendered.request(), UNBOUND, RequestIds.shown(ctx));
        String key = task.cacheTtl() == null ? null : TaskResultCache.key(task.name(), task.version(), request.alias(), rendered.request());
        if (key != null) {
            var fresh = results.fresh(caller.userId(), key);
            if (fresh.isPresent()) {
                answerFromCache(ctx, fresh.get(), "hit", answer, request);
                return;
            }
            ctx.header(CACHE_HEADER, "miss");
        }
        try {
            call.run(ctx, caller, request, task.name(), completion -> {
                JsonNode message = completion.body().path("choices").path(0).path("message");
                JsonNode output = task.parseOutput(message.path("content").asText(""));
                if (key != null) {
                    results.store(caller.userId(), key, task.name(), request.alias(), output, completion.body().path("usage"), task.cacheTtl());
                }
                return answer.shape(output, completion, request);
            });
        } catch (Refusal e) {
            var stale = key == null || (e.status() != 502 && e.status() != 503) ? null : results.any(caller.userId(), key).orElse(null);
            if (stale == null) {
                throw e;
            }
            answerFromCache(ctx, stale, "stale", answer, request);
        }
    }

    static final String CACHE_HEADER = "x-gatehouse-cache";

    private void answerFromCache(Context ctx, TaskResultCache.Cached cached, String kind, TaskAnswer answer, ChatRequest request) {
        ObjectNode body = json.createObjectNode();
        body.put("id", "cached-" + RequestIds.shown(ctx));
        body.putArray("choices").addObject().put("finish_reason", "stop");
        body.set("usage", cached.usage());
        ObjectNode out = answer.shape(cached.output(), new Completion(body, null), request);
        out.put("cached", true);
        out.put("cached_at", cached.storedAt().toString());
        ctx.header(CACHE_HEADER, kind);
        ctx.status(200).json(out);
    }

    public void listTasks(Context ctx) {
        caller(ctx, "tasks");
        ctx.json(tasks.describe());
    }

    /** The models the caller's plan allows that a configured deployment can serve, in OpenAI's list shape. */
    public void models(Context ctx) {
        Caller caller = callerWithAny(ctx, Set.of("models", "chat", "tasks"));
        UsageSummary plan = quota.summary(caller.userId());
        Set<String> allowed = new HashSet<>(plan.allowedModels());
        ObjectNode out = json.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (String id : gateway.servableModels()) {
            if (allowed.contains(id)) {
                data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", "gatehouse");
            }
        }
        ctx.json(out);
    }

    /** Period, requests and tokens used and allowed, and when the quota resets. */
    public void usage(Context ctx) {
        Caller caller = callerWithAny(ctx, Set.of("usage", "chat", "tasks"));
        UsageSummary s = quota.summary(caller.userId());
        ObjectNode out = json.createObjectNode();
        out.put("object", "usage");
        out.put("plan", s.planId());
        ObjectNode period = out.putObject("period");
        period.put("start", s.periodStart().toString());
        period.put("end", s.periodEnd().toString());
        period.put("resets_at", s.periodEnd().toString());
        period.put("resets_in_seconds", Math.max(0, s.periodEnd().getEpochSecond() - Instant.now().getEpochSecond()));
        ObjectNode requests = out.putObject("requests");
        requests.put("used", s.requestsUsed());
        putLimit(requests, s.requestsLimit() == null ? null : s.requestsLimit().longValue(), s.requestsUsed());
        ObjectNode tokens = out.putObject("tokens");
        tokens.put("used", s.tokensUsed());
        putLimit(tokens, s.tokensLimit(), s.tokensUsed());
        out.put("requests_per_minute", s.requestsPerMinute());
        out.put("max_output_tokens", s.maxOutputTokens());
        out.put("raw_chat", s.allowRawChat());
        ArrayNode models = out.putArray("models");
        s.allowedModels().forEach(models::add);
        ArrayNode allowedTasks = out.putArray("tasks");
        s.allowedTasks().forEach(allowedTasks::add);
        ctx.json(out);
    }

    private static void putLimit(ObjectNode node, Long limit, long used) {
        if (limit == null) {
            node.putNull("limit");
            node.putNull("remaining");
        } else {
            node.put("limit", limit);
            node.put("remaining", Math.max(limit - used, 0));
        }
    }

    Caller caller(Context ctx, String scope) {
        return callerWithAny(ctx, Set.of(scope));
    }

    private Caller callerWithAny(Context ctx, Set<String> scopes) {
        Caller caller = auth.authenticateHeaders(java.util.Collections.list(ctx.req().getHeaders("Authorization")));
        if (scopes.stream().noneMatch(caller::hasScope)) {
            throw Refusal.forbidden("insufficient_scope", "This API key lacks the scope for this endpoint (needs one of " + String.join(", ", scopes.stream().sorted().toList()) + ").");
        }
        return caller;
    }

    JsonNode body(Context ctx) {
        return bodies.object(ctx);
    }
}
