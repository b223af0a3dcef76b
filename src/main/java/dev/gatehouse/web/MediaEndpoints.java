package dev.gatehouse.web;

import dev.gatehouse.ai.Gateway;
import dev.gatehouse.ai.MediaGateway;
import dev.gatehouse.ai.media.EmbeddingRequest;
import dev.gatehouse.ai.media.ImageRequest;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.quota.Admission;
import dev.gatehouse.quota.QuotaGate;
import dev.gatehouse.quota.RateLimitHeaders;
import dev.gatehouse.quota.Settlement;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Function;

/**
 * {@code POST /v1/images/generations} and {@code POST /v1/embeddings}, OpenAI-compatible, with chat's
 * rules: a session token or a {@code gh_} key with scope {@code images} / {@code embeddings}; the plan's
 * models and its allow_raw_chat (both are free-form requests); one admission round trip that counts
 * the request and reserves its worst case; settlement in the background, {@code failed} (not
 * charged) when every provider failed. Images are charged as token-equivalents per image by size and
 * quality ({@link dev.gatehouse.ai.media.ImageMeter}, ledger {@code usage_source = 'per_image'}),
 * embeddings by their input tokens.
 */
public final class MediaEndpoints {
    /** On every answer the offline dev model made, whoever asked for it. */
    static final String DEV_OUTPUT_HEADER = "x-gatehouse-dev-output";

    private final GatewayEndpoints ai;
    private final Gateway gateway;
    private final MediaGateway media;
    private final QuotaGate quota;

    public MediaEndpoints(GatewayEndpoints ai, Gateway gateway, MediaGateway media, QuotaGate quota) {
        this.ai = ai;
        this.gateway = gateway;
        this.media = media;
        this.quota = quota;
    }

    public void images(Context ctx) {
        Caller caller = ai.caller(ctx, "images");
        ImageRequest request = media.parseImages(ai.body(ctx));
        String id = RequestIds.shown(ctx);
        ai.guarded(() -> admitAndCall(ctx, caller, request.alias(), Math.toIntExact(request.tokens()), "per_image",
                servedAs -> media.images(request, servedAs, id)));
    }

    public void embeddings(Context ctx) {
        Caller caller = ai.caller(ctx, "embeddings");
        EmbeddingRequest request = media.parseEmbeddings(ai.body(ctx));
        String id = RequestIds.shown(ctx);
        ai.guarded(() -> admitAndCall(ctx, caller, request.alias(), request.inputTokens(), null,
                servedAs -> media.embeddings(request, servedAs, id)));
    }

    /**
     * @param reserve     tokens to reserve besides the one output token admission always grants
     * @param usageSource the ledger's usage_source, or null for the one the answer's usage came from
     */
    private void admitAndCall(Context ctx, Caller caller, String alias, int reserve, String usageSource,
            Function<String, MediaGateway.Answer> call) {
        UUID requestId = RequestIds.of(ctx);
        Admission admission = quota.admit(new QuotaGate.Ask(requestId, caller.userId(), caller.apiKeyId(), alias, null, false, reserve, 1));
        RateLimitHeaders.of(admission.limits(), Instant.now()).forEach(ctx::header);
        switch (admission) {
            case Admission.Rejected r -> throw GatewayCall.rejection(r);
            case Admission.Admitted a -> {
                MediaGateway.Answer answer = null;
                try {
                    answer = call.apply(GatewayCall.servedAs(ctx, gateway, alias));
                } finally {
                    // Exactly one settlement per admission: what was answered, else nothing used.
                    quota.settleLater(answer == null ? new Settlement(requestId, "failed", 0, 0, null, 0, "none")
                            : GatewayCall.settlement(requestId, answer.usage(),
                                    usageSource != null ? usageSource : answer.usage().source().name().toLowerCase(java.util.Locale.ROOT)));
                }
                if (answer.devOutput()) {
                    ctx.header(DEV_OUTPUT_HEADER, "dev-echo: offline development model; not a real image or embedding");
                }
                ctx.json(answer.body());
            }
        }
    }
}
