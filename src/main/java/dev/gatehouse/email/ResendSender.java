package dev.gatehouse.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.jobs.Outcome;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends through Resend's {@code POST /emails} with {@code Idempotency-Key} = the outbox row's key,
 * so a row sent twice (a crash between send and mark) is delivered once. Maps Resend's answers
 * ({@code {"statusCode", "name", "message"}}) to outcomes:
 * <ul>
 *   <li>429 {@code rate_limit_exceeded}, 5xx, timeouts, resets, a malformed 2xx: retried with backoff
 *       ({@code retry-after} when sent, and the local pace pauses for it);
 *   <li>429 {@code daily_quota_exceeded} / {@code monthly_quota_exceeded}: wait for the reset (next UTC
 *       midnight / first of next month) without using an attempt; until then no request is made;
 *   <li>409 {@code concurrent_idempotent_requests}: the first request with this key is still in
 *       flight, retried; 409 {@code invalid_idempotent_request}: the key was reused with another
 *       payload, a bug, dead at once and logged as an error;
 *   <li>any other 4xx: dead at once with Resend's reason.
 * </ul>
 * {@code ratelimit-remaining: 0} pauses sending for {@code ratelimit-reset} seconds.
 */
public final class ResendSender implements MailSender {
    private static final Logger log = LoggerFactory.getLogger(ResendSender.class);
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longer waits than this are not slept through: the row is retried later instead (its lease is short). */
    private static final Duration MAX_LOCAL_WAIT = Duration.ofSeconds(10);

    private final OkHttpClient http;
    private final String endpoint;
    private final String apiKey;
    private final Pace pace;
    private final Clock clock;
    private final AtomicReference<Instant> quotaResets = new AtomicReference<>(Instant.EPOCH);

    public ResendSender(OkHttpClient http, String baseUrl, String apiKey, double ratePerSecond, Clock clock) {
        this.http = http;
        this.endpoint = baseUrl + "/emails";
        this.apiKey = apiKey;
        this.pace = new Pace(ratePerSecond);
        this.clock = clock;
    }

    public static OkHttpClient defaultHttpClient() {
        return new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(20))
                .callTimeout(Duration.ofSeconds(30)).retryOnConnectionFailure(false).build();
    }

    @Override
    public Outcome send(Email e) {
        Instant blocked = quotaResets.get();
        if (clock.instant().isBefore(blocked)) {
            return new Outcome.Defer("resend quota spent; waiting for its reset", blocked);
        }
        Duration wait = pace.acquire(MAX_LOCAL_WAIT);
        if (wait != null) {
            return new Outcome.Retry("local send rate: next slot in " + wait.toMillis() + " ms", wait);
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("from", e.from());
        body.putArray("to").add(e.to());
        body.put("subject", e.subject());
        body.put("html", e.html());
        body.put("text", e.text());
        if (e.replyTo() != null) {
            body.put("reply_to", e.replyTo());
        }
        body.putArray("tags").addObject().put("name", "template").put("value", e.template());
        Request request = new Request.Builder().url(endpoint)
                .header("Authorization", "Bearer " + apiKey)
                .header("Idempotency-Key", e.idempotencyKey())
                .header("User-Agent", "gatehouse")
                .post(RequestBody.create(body.toString(), JSON_TYPE)).build();
        try (Response r = http.newCall(request).execute()) {
            readRateLimit(r);
            String text = readBody(r.body());
            JsonNode json = parse(text);
            if (r.isSuccessful()) {
                String id = json == null ? null : json.path("id").asText(null);
                return id == null || id.isBlank()
                        ? Outcome.retryLater("resend answered " + r.code() + " without an email id")
                        : new Outcome.Done(id);
            }
            String name = json == null ? null : json.path("name").asText(null);
            String reason = "resend " + r.code() + (name == null ? "" : " " + name)
                    + (json == null ? "" : ": " + json.path("message").asText(""));
            Duration retryAfter = seconds(r.header("retry-after"));
            return switch (r.code()) {
                case 429 -> switch (String.valueOf(name)) {
                    case "daily_quota_exceeded" -> quotaSpent(reason, LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1)
                            .atStartOfDay(ZoneOffset.UTC).toInstant(), retryAfter);
                    case "monthly_quota_exceeded" -> quotaSpent(reason, LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)
                            .withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant(), retryAfter);
                    default -> {
                        if (retryAfter != null) {
                            pace.pauseFor(retryAfter);
                        }
                        yield new Outcome.Retry(reason, retryAfter);
                    }
                };
                case 409 -> {
                    if ("invalid_idempotent_request".equals(name)) {
                        log.error("outbox row {}: Resend refused idempotency key reuse with a different payload; this is a bug ({})",
                                e.outboxId(), reason);
                        yield new Outcome.Fail(reason);
                    }
                    yield new Outcome.Retry(reason, retryAfter != null ? retryAfter : Duration.ofSeconds(1));
                }
                default -> r.code() >= 500 ? new Outcome.Retry(reason, retryAfter) : new Outcome.Fail(reason);
            };
        } catch (IOException ex) {
            return Outcome.retryLater("resend unreachable: " + ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : " " + ex.getMessage()));
        }
    }

    private Outcome quotaSpent(String reason, Instant reset, Duration retryAfter) {
        Instant until = retryAfter != null ? clock.instant().plus(retryAfter) : reset;
        quotaResets.accumulateAndGet(until, (a, b) -> a.isAfter(b) ? a : b);
        log.warn("Resend quota spent ({}); sending waits until {}", reason, until);
        return new Outcome.Defer(reason, until);
    }

    private void readRateLimit(Response r) {
        if ("0".equals(strip(r.header("ratelimit-remaining")))) {
            Duration reset = seconds(r.header("ratelimit-reset"));
            if (reset != null) {
                pace.pauseFor(reset);
            }
        }
    }

    private static String readBody(ResponseBody b) throws IOException {
        return b == null ? "" : b.string();
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode n = JSON.readTree(text);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Duration seconds(String header) {
        String v = strip(header);
        if (v == null) {
            return null;
        }
        try {
            double s = Double.parseDouble(v);
            return s < 0 ? null : Duration.ofMillis((long) (s * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String strip(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
