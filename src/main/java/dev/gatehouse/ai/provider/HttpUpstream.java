package dev.gatehouse.ai.provider;

import dev.gatehouse.ai.chat.Answer;
import dev.gatehouse.ai.chat.ChatRequest;
import dev.gatehouse.ai.chat.OpenAiJson;
import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.stream.CallerGone;
import dev.gatehouse.ai.stream.OpenStreams;
import dev.gatehouse.ai.stream.StreamRelay;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deployment served over HTTP: the mechanism every provider API shares (one POST, status and
 * fault classification, SSE reading, timeouts, cancellation); its {@link Dialect} supplies what differs.
 */
final class HttpUpstream implements Upstream {
    private static final Logger log = LoggerFactory.getLogger(HttpUpstream.class);
    private static final MediaType JSON = MediaType.get("application/json");
    /** Enough of an error body to read its code and param; the rest is never read, logged or forwarded. */
    private static final long ERROR_BODY_BYTES = 16 * 1024;
    private static final Pattern SAFE_CODE = Pattern.compile("[a-z0-9_]{1,64}");
    private static final Pattern SAFE_PARAM = Pattern.compile("[A-Za-z0-9_.\\[\\]]{1,128}");

    private final Deployment deployment;
    private final Dialect dialect;
    /** No socket timeouts: an answer's call timeout bounds its attempt, {@link OpenStreams} holds streams to their deadlines. */
    private final OkHttpClient client;
    private final HttpUrl url;
    /** Per kind of call, built once: a request only points at them (no header list copied per call). */
    private final Headers completeHeaders;
    private final Headers streamHeaders;
    private final OpenStreams openStreams;

    /**
     * @param shared   the gateway's client; calls go through it {@linkplain #forProviders as provider calls use it}
     * @param openStreams holds each stream to its deadlines
     */
    HttpUpstream(Deployment deployment, Dialect dialect, OkHttpClient shared, OpenStreams openStreams) {
        this.openStreams = openStreams;
        this.deployment = deployment;
        this.dialect = dialect;
        this.client = forProviders(shared);
        this.url = HttpUrl.get(deployment.provider().baseUrl() + dialect.path());
        Headers headers = headers(deployment, dialect);
        this.completeHeaders = headers.newBuilder().set("Accept", "application/json").build();
        this.streamHeaders = headers.newBuilder().set("Accept", "text/event-stream").build();
    }

    /**
     * {@code shared} as every provider call (chat and media) uses it: without socket read or write timeouts, and
     * sending a request again when the provider refuses its HTTP/2 stream ({@link #RESEND_REFUSED}).
     *
     * <p>No socket timeouts: each costs a timer per read or write on every call (a virtual thread's timed socket
     * read schedules and cancels a JDK delay task, waking the delay scheduler's thread both times; a write's okio
     * timeout, the soonest in okio's watchdog queue, wakes that watchdog): together 16 % of the gateway's CPU
     * samples at concurrency 16 (bench/README.md, session 25). An answer's call timeout bounds every read and write
     * of its attempt; a stream's deadlines are kept by OpenStreams. The derived client shares {@code shared}'s
     * connection pool, dispatcher and task runner.
     */
    static OkHttpClient forProviders(OkHttpClient shared) {
        OkioWatchdogLead.start(); // so that each answer's call timeout enters okio's watchdog queue without waking it
        return shared.newBuilder().readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO).addInterceptor(RESEND_REFUSED).build();
    }

    /**
     * Sends a request again, within its call (its timeout, a stream's watch and cancellation all still hold), when
     * the provider refused its HTTP/2 stream with {@code REFUSED_STREAM}, at most {@link #REFUSED_RESENDS} times.
     * RFC 9113 section 8.7: such a stream was closed before any processing, so sending it again is safe and no fault
     * of the deployment. OkHttp's own retry of it is off with every other silent retry
     * ({@code retryOnConnectionFailure(false)}), so before this each refusal cost the route an attempt and the
     * breaker a failure. A new HTTP/2 connection meets it: until the provider's SETTINGS arrive, OkHttp does not
     * know its stream limit and may open more streams than it allows (bench/README.md, session 29: hundreds in a
     * ramp of 10,000 streams). An application interceptor may call {@code proceed} more than once.
     */
    private static final Interceptor RESEND_REFUSED = chain -> {
        for (int resent = 0; ; resent++) {
            try {
                return chain.proceed(chain.request());
            } catch (StreamResetException e) {
                if (e.errorCode != ErrorCode.REFUSED_STREAM || resent >= REFUSED_RESENDS || chain.call().isCanceled()) {
                    throw e;
                }
                log.debug("{} refused the HTTP/2 stream before processing it (REFUSED_STREAM); sending it again ({} of {})",
                        chain.request().url().host(), resent + 1, REFUSED_RESENDS);
            }
        }
    };

    /** What every request to {@code deployment} carries: the provider's configured headers and its key, sent the dialect's way. */
    static Headers headers(Deployment deployment, Dialect dialect) {
        Headers.Builder builder = new Headers.Builder();
        deployment.provider().headers().forEach(builder::set);
        if (deployment.provider().apiKey() != null) {
            dialect.authorize(builder, deployment.provider().apiKey());
        }
        return builder.build();
    }

    @Override
    public Answer complete(ChatRequest request, Duration timeout) throws UpstreamFailure {
        Call call = client.newCall(request(request, false));
        // The attempt's only timeout besides connecting (no socket timeouts on this client): it bounds writing, a silence and an
        // answer trickling in alike, and the route's remaining deadline. It arms okio's shared watchdog once per call.
        call.timeout().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        try (Response response = call.execute()) {
            if (!response.isSuccessful()) {
                throw failure(response);
            }
            return dialect.fromUpstream(response.body().bytes(), request);
        } catch (IOException e) {
            throw UpstreamFailure.forIo(e, false);
        }
    }

    @Override
    public void stream(ChatRequest request, Duration firstEventTimeout, StreamRelay relay) throws UpstreamFailure {
        Call call = client.newCall(request(request, true));
        // The first event's deadline, each silence after it (the deployment's attempt timeout) and the whole stream's
        // bound (limits.max_stream_ms, and shutdown's way to end it): all cancel the call, which ends a committed
        // stream with an error event.
        OpenStreams.Watch watch = openStreams.open(call, firstEventTimeout, deployment.attemptTimeout());
        try (Response response = call.execute()) {
            if (!response.isSuccessful()) {
                throw failure(response);
            }
            MediaType type = response.body().contentType();
            if (type == null || !"event-stream".equals(type.subtype())) {
                throw UpstreamFailure.malformed("a stream answered as " + type);
            }
            StreamTranslator translator = dialect.streamTranslator();
            relay.coalesce();
            SseEventReader.read(response.body().source(), (event, data) -> {
                watch.firstEvent();
                return translator.onEvent(event, data, relay);
            }, () -> {
                relay.flush();
                watch.waiting();
            }, watch::progressed);
        } catch (CallerGone e) {
            call.cancel();
            throw e;
        } catch (IOException e) {
            throw UpstreamFailure.forIo(e, watch.timedOut());
        } finally {
            watch.close();
        }
    }

    private Request request(ChatRequest request, boolean stream) {
        byte[] body = OpenAiJson.bytes(dialect.toUpstream(request, deployment, stream));
        return new Request.Builder()
                .url(url)
                .headers(stream ? streamHeaders : completeHeaders)
                .post(RequestBody.create(body, JSON))
                .build();
    }

    static UpstreamFailure failure(Response response) {
        int status = response.code();
        Refusal callerError = status == 400 || status == 413 || status == 422 ? callerError(response) : null;
        return UpstreamFailure.forStatus(status, RetryAfter.from(response.headers(), Instant.now()), callerError);
    }

    /**
     * What the caller hears when the provider blames the request: a generic message, plus the
     * provider's error code and param when they are plain identifiers (OpenAI's
     * {@code context_length_exceeded}, {@code messages[1].content}). Never the provider's message:
     * it can name the upstream model, account or limits.
     */
    private static Refusal callerError(Response response) {
        String code = null;
        String param = null;
        try {
            JsonNode error = OpenAiJson.MAPPER.readTree(response.peekBody(ERROR_BODY_BYTES).bytes()).path("error");
            code = safe(error.path("code").asText(null), SAFE_CODE);
            param = safe(error.path("param").asText(null), SAFE_PARAM);
        } catch (IOException e) {
            // an unreadable error body still means the request was refused; the generic message stands alone
        }
        int status = response.code() == 413 ? 413 : 400;
        return new Refusal(status, "invalid_request_error", code, param,
                "The model provider rejected this request as invalid (HTTP " + response.code() + "). "
                        + "Check the messages, tools and parameters.", Map.of());
    }

    private static String safe(String value, Pattern pattern) {
        return value != null && pattern.matcher(value).matches() ? value : null;
    }
}
