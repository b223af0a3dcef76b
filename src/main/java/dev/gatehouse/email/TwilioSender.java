package dev.gatehouse.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.jobs.Outcome;
import java.io.IOException;
import java.time.Duration;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * SMS through Twilio's Messages API ({@code POST /2010-04-01/Accounts/{sid}/Messages.json}, form
 * body {@code To}, {@code From} or {@code MessagingServiceSid}, {@code Body}; basic auth), paced at its
 * own rate. Twilio's errors are {@code {"code", "message", "more_info", "status"}}: 429 (code 20429)
 * and 5xx are retried with backoff; any other 4xx (an invalid or unsubscribed number) is dead with
 * Twilio's reason. Twilio has no idempotency key for sending, so an SMS is at-least-once: a crash
 * between Twilio's 201 and our mark can send it twice.
 */
public final class TwilioSender {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_LOCAL_WAIT = Duration.ofSeconds(10);
    private final OkHttpClient http;
    private final EmailSettings.Twilio config;
    private final Pace pace;

    public TwilioSender(OkHttpClient http, EmailSettings.Twilio config) {
        this.http = http;
        this.config = config;
        this.pace = new Pace(config.ratePerSecond());
    }

    public Outcome send(String to, String body) {
        Duration wait = pace.acquire(MAX_LOCAL_WAIT);
        if (wait != null) {
            return new Outcome.Retry("local SMS rate: next slot in " + wait.toMillis() + " ms", wait);
        }
        FormBody.Builder form = new FormBody.Builder().add("To", to).add("Body", body);
        if (config.messagingServiceSid() != null) {
            form.add("MessagingServiceSid", config.messagingServiceSid());
        } else {
            form.add("From", config.from());
        }
        Request request = new Request.Builder()
                .url(config.baseUrl() + "/2010-04-01/Accounts/" + config.accountSid() + "/Messages.json")
                .header("Authorization", Credentials.basic(config.accountSid(), config.authToken()))
                .post(form.build()).build();
        try (Response r = http.newCall(request).execute()) {
            JsonNode json;
            try {
                json = JSON.readTree(r.body() == null ? "" : r.body().string());
            } catch (IOException e) {
                json = null;
            }
            if (r.isSuccessful()) {
                String sid = json == null ? null : json.path("sid").asText(null);
                return sid == null ? Outcome.retryLater("twilio answered " + r.code() + " without a message sid") : new Outcome.Done(sid);
            }
            String reason = "twilio " + r.code() + (json == null ? "" : " " + json.path("code").asText("") + ": " + json.path("message").asText(""));
            return r.code() == 429 || r.code() >= 500 ? Outcome.retryLater(reason) : new Outcome.Fail(reason);
        } catch (IOException e) {
            return Outcome.retryLater("twilio unreachable: " + e.getClass().getSimpleName());
        }
    }
}
