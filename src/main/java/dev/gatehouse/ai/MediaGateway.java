package dev.gatehouse.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.TokenSource;
import dev.gatehouse.ai.chat.Usage;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.config.GatewayConfig;
import dev.gatehouse.ai.config.ModelApi;
import dev.gatehouse.ai.config.ProviderKind;
import dev.gatehouse.ai.media.EmbeddingRequest;
import dev.gatehouse.ai.media.ImageMeter;
import dev.gatehouse.ai.media.ImageRequest;
import dev.gatehouse.ai.media.MediaRequests;
import dev.gatehouse.ai.provider.MediaUpstream;
import dev.gatehouse.ai.routing.RouteAttempts;
import dev.gatehouse.ai.routing.RouteStep;
import dev.gatehouse.refusal.Refusal;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;

/**
 * The images and embeddings side of the gateway ({@code POST /v1/images/generations},
 * {@code POST /v1/embeddings}), as the HTTP layer calls it. Built once at start from the same
 * {@link GatewayConfig} as {@link Gateway}: the routes whose deployments say {@code "api": "images"}
 * or {@code "embeddings"} (and dev-echo, which serves both), each deployment with its own circuit
 * breaker, walked with the same retry, fallback and deadline rules as chat ({@link RouteAttempts}).
 * Never streamed. A thrown {@link Refusal} means nothing reached the caller and nothing is charged.
 */
public final class MediaGateway {
    private final GatewayConfig config;
    private final MediaRequests requests;
    private final Map<ModelApi, Map<String, List<RouteStep>>> routes = new EnumMap<>(ModelApi.class);
    private final Map<ModelApi, Map<String, MediaUpstream>> upstreams = new EnumMap<>(ModelApi.class);
    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();

    /**
     * What one call answered and what it costs.
     *
     * @param devOutput whether the offline dev model made it (the HTTP layer labels it so)
     */
    public record Answer(ObjectNode body, Usage usage, boolean devOutput) {}

    public MediaGateway(GatewayConfig config, OkHttpClient http) {
        this.config = config;
        this.requests = new MediaRequests(config.servableModels(ModelApi.IMAGES), config.servableModels(ModelApi.EMBEDDINGS),
                config.limits().maxInputChars());
        CircuitBreakerConfig breakerConfig = Gateway.breakerConfig(config.breaker());
        for (ModelApi api : List.of(ModelApi.IMAGES, ModelApi.EMBEDDINGS)) {
            Map<String, MediaUpstream> byDeployment = new LinkedHashMap<>();
            Map<String, RouteStep> steps = new LinkedHashMap<>();
            for (Deployment d : config.deployments().values()) {
                if (d.enabled() && d.serves(api)) {
                    byDeployment.put(d.name(), MediaUpstream.of(d, api, http));
                    // A RouteStep carries a chat upstream; here it stays null: the media upstream is looked up by deployment.
                    steps.put(d.name(), new RouteStep(d, null, breakers.computeIfAbsent(d.name(), n -> CircuitBreaker.of(n, breakerConfig))));
                }
            }
            Map<String, List<RouteStep>> apiRoutes = new LinkedHashMap<>();
            for (String alias : config.servableModels(api)) {
                apiRoutes.put(alias, config.enabledRoute(alias).stream().filter(d -> steps.containsKey(d.name())).map(d -> steps.get(d.name())).toList());
            }
            upstreams.put(api, byDeployment);
            routes.put(api, apiRoutes);
        }
    }

    /** Validates an images body: 400 {@link Refusal} naming the field at fault. */
    public ImageRequest parseImages(JsonNode body) {
        return requests.images(body);
    }

    /** Validates an embeddings body: 400 {@link Refusal} naming the field at fault. */
    public EmbeddingRequest parseEmbeddings(JsonNode body) {
        return requests.embeddings(body);
    }

    /**
     * Generates images. The answer's {@code usage} is what is charged: the prompt's tokens as input
     * and each image returned at its {@link ImageMeter} rate as output.
     *
     * @param servedAs the alias whose route answers: the request's own, or the dev stand-in's
     */
    public Answer images(ImageRequest request, String servedAs, String requestId) {
        Call call = call(ModelApi.IMAGES, request.body(), servedAs, request.n(), requestId);
        int images = call.body.path("data").size();
        int output = images * ImageMeter.tokensPerImage(request.size(), request.quality());
        ObjectNode usage = call.body.putObject("usage");
        usage.put("input_tokens", request.promptTokens()).put("output_tokens", output).put("total_tokens", request.promptTokens() + output);
        usage.putObject("input_tokens_details").put("text_tokens", request.promptTokens()).put("image_tokens", 0);
        return new Answer(call.body, call.attempts.usage(Outcome.COMPLETED, request.promptTokens(), output, TokenSource.TOKENIZER), call.devOutput);
    }

    /** Embeds the inputs. The provider's {@code usage.prompt_tokens} is charged, or the tokenizer's count when it gave none. */
    public Answer embeddings(EmbeddingRequest request, String servedAs, String requestId) {
        Call call = call(ModelApi.EMBEDDINGS, request.body(), servedAs, request.inputs(), requestId);
        call.body.put("model", servedAs);
        JsonNode reported = call.body.path("usage").path("prompt_tokens");
        boolean upstream = reported.canConvertToInt() && reported.asInt() >= 0;
        int tokens = upstream ? reported.asInt() : request.inputTokens();
        call.body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return new Answer(call.body, call.attempts.usage(Outcome.COMPLETED, tokens, 0, upstream ? TokenSource.UPSTREAM : TokenSource.TOKENIZER),
                call.devOutput);
    }

    /** Each media deployment's circuit breaker state, for readiness and status pages. */
    public Map<String, String> breakerStates() {
        return Gateway.states(breakers);
    }

    private record Call(ObjectNode body, RouteAttempts attempts, boolean devOutput) {}

    private Call call(ModelApi api, ObjectNode body, String alias, int items, String requestId) {
        // RouteAttempts names the request by alias and id only; it never reads a chat body from it.
        ChatRequest named = new ChatRequest(body, alias, 1, requestId);
        RouteAttempts attempts = new RouteAttempts(named, routes.get(api).getOrDefault(alias, List.of()), config.retry(),
                config.breaker().openFor(), System.nanoTime());
        Map<String, MediaUpstream> byDeployment = upstreams.get(api);
        ObjectNode answer = attempts.untilAnswered(attempt -> byDeployment.get(attempt.step().deployment().name())
                .call(body, items, requestId, attempt.timeout()));
        return new Call(answer, attempts, attempts.current().provider().kind() == ProviderKind.DEV_ECHO);
    }
}
