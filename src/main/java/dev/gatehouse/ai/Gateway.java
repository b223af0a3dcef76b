package dev.gatehouse.ai;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.ChatRequestValidator;
import dev.gatehouse.ai.chat.Completion;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenCounter;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.chat.UsageListener;
import dev.gatehouse.ai.config.BreakerPolicy;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.config.GatewayConfig;
import dev.gatehouse.ai.config.ModelApi;
import dev.gatehouse.ai.provider.Upstream;
import dev.gatehouse.ai.provider.UpstreamFailure;
import dev.gatehouse.ai.routing.RouteAttempts;
import dev.gatehouse.ai.routing.RouteStep;
import dev.gatehouse.ai.stream.CallerGone;
import dev.gatehouse.ai.stream.OpenStreams;
import dev.gatehouse.ai.stream.SseSink;
import dev.gatehouse.ai.stream.StreamRelay;
import dev.gatehouse.ai.stream.StreamResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.refusal.Refusal;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI gateway's upstream side, as the HTTP layer calls it. Built once at start from a
 * {@link GatewayConfig}; thread-safe; each call blocks its (virtual) thread on upstream I/O.
 *
 * <pre>{@code
 * ChatRequest request = gateway.parse(jsonBody, plan.maxOutputTokens(), requestId); // 400 Refusal
 * if (request.streaming()) {
 *     StreamResult result = gateway.stream(request, new SseWriter(...)); // Refusal only before the first event
 * } else {
 *     Completion completion = gateway.complete(request);                 // Refusal 400/413/502/503
 * }
 * }</pre>
 * A thrown {@link Refusal} means nothing reached the caller and nothing is charged.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    private final GatewayConfig config;
    private final ChatRequestValidator validator;
    private final Map<String, List<RouteStep>> routes = new LinkedHashMap<>();
    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
    private final OkHttpClient http;
    private final boolean ownsHttp;
    private final UsageListener listener;
    private final List<String> servableModels;
    private final Map<String, String> devStandIns;
    private final OpenStreams openStreams;

    public Gateway(GatewayConfig config) {
        this(config, UsageListener.NONE);
    }

    /** @param listener told every request's final usage, failures included (metrics) */
    public Gateway(GatewayConfig config, UsageListener listener) {
        this(config, defaultHttpClient(), true, listener);
    }

    /**
     * @param http     the client every provider call goes through (deployments derive their own read timeout from it)
     * @param listener told every request's final usage, failures included
     */
    public Gateway(GatewayConfig config, OkHttpClient http, UsageListener listener) {
        this(config, http, false, listener);
    }

    private Gateway(GatewayConfig config, OkHttpClient http, boolean ownsHttp, UsageListener listener) {
        this.config = config;
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.listener = listener;
        this.servableModels = config.servableModels();
        this.devStandIns = config.devStandIns();
        // Image and embedding aliases are listed by /v1/models but are no chat model (ai.media serves them).
        this.validator = new ChatRequestValidator(config.servableModels(ModelApi.CHAT), config.limits().maxInputChars());
        this.openStreams = new OpenStreams(Duration.ofMillis(config.limits().maxStreamMs()), shortestAttemptTimeout(config));
        CircuitBreakerConfig breakerConfig = breakerConfig(config.breaker());
        Map<String, RouteStep> steps = new LinkedHashMap<>();
        for (Deployment deployment : config.deployments().values()) {
            if (!deployment.enabled() || deployment.api() != ModelApi.CHAT) {
                continue;
            }
            Upstream upstream = Upstream.of(deployment, config.limits().defaultMaxTokens(), http, openStreams);
            CircuitBreaker breaker = CircuitBreaker.of(deployment.name(), breakerConfig);
            breakers.put(deployment.name(), breaker);
            steps.put(deployment.name(), new RouteStep(deployment, upstream, breaker));
        }
        config.routes().forEach((alias, deployments) -> routes.put(alias,
                deployments.stream().filter(d -> steps.containsKey(d.name())).map(d -> steps.get(d.name())).toList()));
        TokenCounter.warmUp();
    }

    /**
     * The client used when none is given; no silent retries (the route retries). Its pool keeps up to
     * 256 idle keep-alive connections for 5 minutes: at 3,000 req/s and a few ms per upstream call,
     * Little's law puts some 10-60 calls in flight, so bursts find a warm connection instead of a
     * TCP (and TLS) handshake. Busy connections are not capped by it (each open stream holds one), and
     * calls are made with {@code execute()}, so the dispatcher's per-host limit (async only) never queues them.
     */
    public static OkHttpClient defaultHttpClient() {
        return new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(256, 5, TimeUnit.MINUTES))
                .connectTimeout(Duration.ofSeconds(10))
                .retryOnConnectionFailure(false)
                .build();
    }

    /** Validates a caller's body (400 {@link Refusal} naming the param) and binds it to the caller's plan limit. */
    public ChatRequest parse(JsonNode body, int planMaxOutputTokens, String requestId) {
        ObjectNode valid = validator.validate(body);
        return new ChatRequest(valid, valid.get("model").asText(), planMaxOutputTokens, requestId);
    }

    /** The prompt's size in tokens as the tokenizer counts it: what admission reserves before the call. */
    public int promptTokens(ChatRequest request) {
        return TokenCounter.prompt(request.body());
    }

    /** Public model aliases that can be served now, in config order, for {@code GET /v1/models}. */
    public List<String> servableModels() {
        return servableModels;
    }

    /** Aliases the offline dev model answers in dev mode without provider keys, each to the alias that names it ({@link GatewayConfig#devStandIns()}). */
    public Map<String, String> devStandIns() {
        return devStandIns;
    }

    /** Each enabled deployment's circuit breaker state (CLOSED, OPEN, HALF_OPEN...), for readiness and status pages. */
    public Map<String, String> breakerStates() {
        return states(breakers);
    }

    /** Each breaker's state by deployment name, in order. */
    static Map<String, String> states(Map<String, CircuitBreaker> breakers) {
        Map<String, String> states = new LinkedHashMap<>();
        breakers.forEach((name, breaker) -> states.put(name, breaker.getState().name()));
        return states;
    }

    /**
     * Tells {@code observer} of every upstream attempt from now on, through the breakers' event
     * publishers: an attempt costs one small event object per registered consumer, nothing when none is.
     */
    public void observe(UpstreamObserver observer) {
        breakers.forEach((name, breaker) -> breaker.getEventPublisher()
                .onSuccess(e -> observer.succeeded(name, e.getElapsedDuration()))
                .onError(e -> observer.failed(name, e.getThrowable() instanceof UpstreamFailure f ? f.kind().name().toLowerCase(java.util.Locale.ROOT)
                        : "other", e.getElapsedDuration()))
                .onCallNotPermitted(e -> observer.skipped(name))
                .onStateTransition(e -> observer.breakerChanged(name, e.getStateTransition().getFromState().name(),
                        e.getStateTransition().getToState().name())));
    }

    /** The first enabled deployment of {@code alias}'s route (null for none): an answer from any other one was a fallback. */
    public String primaryDeployment(String alias) {
        List<RouteStep> steps = routes.get(alias);
        return steps == null || steps.isEmpty() ? null : steps.getFirst().deployment().name();
    }

    /** A whole answer. Throws {@link Refusal}: the caller's 4xx as the provider judged it, 502 when every deployment failed, 503 when none was available. */
    public Completion complete(ChatRequest request) {
        RouteAttempts attempts = attempts(request);
        try {
            Answer answer = attempts.untilAnswered(attempt -> attempt.upstream().complete(request, attempt.timeout()));
            return settled(switch (answer) {
                case Answer.Relayed relayed -> Completion.relayed(relayed.json(),
                        attempts.usage(Outcome.COMPLETED, relayed.promptTokens(), relayed.completionTokens(), TokenSource.UPSTREAM));
                case Answer.Tree tree -> new Completion(tree.body(), completionUsage(tree.body(), request, attempts));
            });
        } catch (Refusal e) {
            listener.onUsage(attempts.failedUsage());
            throw e;
        }
    }

    /**
     * Streams an answer into {@code sink} as OpenAI chunks, then {@code [DONE]}; falls back between
     * deployments only while nothing has been written. Throws {@link Refusal} (as
     * {@link #complete}) only when {@code sink} was never called. After that it always returns: a
     * broken upstream ends the stream with one error event (see {@link StreamRelay#fail()}), a
     * caller gone away cancels the upstream call; the result's usage says which.
     */
    public StreamResult stream(ChatRequest request, SseSink sink) {
        RouteAttempts attempts = attempts(request);
        try {
            while (true) {
                RouteAttempts.Attempt attempt = attempts.next();
                StreamRelay relay = new StreamRelay(sink, request);
                try {
                    attempt.upstream().stream(request, attempt.timeout(), relay);
                } catch (UpstreamFailure failure) {
                    if (!relay.committed()) {
                        attempts.failed(failure);
                        continue;
                    }
                    attempts.failedAfterFirstByte(failure);
                    if (!relay.fail(openStreams.ending())) {
                        log.debug("{}: the caller left before the mid-stream error event could reach it", request.alias());
                    }
                    return settled(streamed(Outcome.FAILED_AFTER_FIRST_BYTE, relay, attempts));
                } catch (CallerGone gone) {
                    attempts.callerLeft();
                    return settled(streamed(Outcome.CUT_BY_CALLER, relay, attempts));
                } catch (RuntimeException e) {
                    attempts.abandoned();
                    throw e;
                }
                attempts.succeeded();
                try {
                    relay.finish();
                } catch (CallerGone gone) {
                    return settled(streamed(Outcome.CUT_BY_CALLER, relay, attempts));
                }
                return settled(streamed(Outcome.COMPLETED, relay, attempts));
            }
        } catch (Refusal e) {
            listener.onUsage(attempts.failedUsage());
            throw e;
        }
    }

    /**
     * Ends every open stream now (shutdown): each gets one error event ({@code server_shutting_down})
     * and is settled for what it generated; streams started from now on are ended the same way.
     */
    public void endStreams() {
        openStreams.endAll();
    }

    @Override
    public void close() {
        openStreams.close();
        if (ownsHttp) {
            http.connectionPool().evictAll();
        }
    }

    /** The shortest attempt timeout of the chat deployments: the stream watchdog's tick is kept well below it. */
    private static Duration shortestAttemptTimeout(GatewayConfig config) {
        return config.deployments().values().stream()
                .filter(d -> d.enabled() && d.api() == ModelApi.CHAT)
                .map(Deployment::attemptTimeout)
                .min(Duration::compareTo)
                .orElse(Duration.ofMillis(config.limits().maxStreamMs()));
    }

    private RouteAttempts attempts(ChatRequest request) {
        return new RouteAttempts(request, routes.getOrDefault(request.alias(), List.of()), config.retry(),
                config.breaker().openFor(), System.nanoTime());
    }

    /** Names the alias as the model and makes sure usage is in the body: the provider's, or counted when it gave none. */
    private static Usage completionUsage(ObjectNode body, ChatRequest request, RouteAttempts attempts) {
        body.put("model", request.alias());
        JsonNode usage = body.path("usage");
        if (usage.path("prompt_tokens").canConvertToInt() && usage.path("completion_tokens").canConvertToInt()) {
            return attempts.usage(Outcome.COMPLETED, usage.get("prompt_tokens").asInt(), usage.get("completion_tokens").asInt(),
                    TokenSource.UPSTREAM);
        }
        int prompt = TokenCounter.prompt(request.body());
        int completion = TokenCounter.generated(body.get("choices").get(0).get("message"));
        body.set("usage", OpenAiJson.usage(prompt, completion));
        return attempts.usage(Outcome.COMPLETED, prompt, completion, TokenSource.TOKENIZER);
    }

    private static StreamResult streamed(Outcome outcome, StreamRelay relay, RouteAttempts attempts) {
        return new StreamResult(attempts.usage(outcome, relay.promptTokens(), relay.completionTokens(), relay.tokenSource()));
    }

    private Completion settled(Completion completion) {
        listener.onUsage(completion.usage());
        return completion;
    }

    private StreamResult settled(StreamResult result) {
        listener.onUsage(result.usage());
        return result;
    }

    static CircuitBreakerConfig breakerConfig(BreakerPolicy policy) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(policy.slidingWindowCalls())
                .minimumNumberOfCalls(policy.minimumCalls())
                .failureRateThreshold(policy.failureRatePercent())
                .waitDurationInOpenState(policy.openFor())
                .permittedNumberOfCallsInHalfOpenState(policy.halfOpenCalls())
                // lock-free: a synchronized window would pin virtual threads on Java 21
                .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .build();
    }
}
