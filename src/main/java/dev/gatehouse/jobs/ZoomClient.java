package dev.gatehouse.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Zoom's REST API with Server-to-Server OAuth: {@code POST {oauth}/oauth/token?grant_type=account_credentials&account_id=...}
 * (basic auth with the app's client id and secret) gives an access token that is cached until a
 * minute before its {@code expires_in}; a 401 from the API drops it. Meetings are created with
 * {@code POST /v2/users/me/meetings}, moved with {@code PATCH /v2/meetings/{id}}, cancelled with
 * {@code DELETE /v2/meetings/{id}}.
 */
public final class ZoomClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");

    /** Zoom's answer was an error; {@code transient} ones (429, 5xx, an expired token) are worth retrying. */
    public static final class ZoomException extends IOException {
        final boolean transientFailure;

        ZoomException(String message, boolean transientFailure) {
            super(message);
            this.transientFailure = transientFailure;
        }
    }

    public record Config(String accountId, String clientId, String clientSecret, String oauthUrl, String apiUrl) {}

    private record Token(String value, Instant refreshAt) {}

    private final OkHttpClient http;
    private final Config config;
    private final Clock clock;
    private volatile Token token;

    public ZoomClient(OkHttpClient http, Config config, Clock clock) {
        this.http = http;
        this.config = config;
        this.clock = clock;
    }

    /** Zoom's calls are small JSON requests: a short connect timeout and a bound on the whole call. */
    public static OkHttpClient defaultHttpClient() {
        return new OkHttpClient.Builder().connectTimeout(java.time.Duration.ofSeconds(5)).callTimeout(java.time.Duration.ofSeconds(30)).build();
    }

    /** Creates a scheduled meeting; returns {@code {id, join_url}}. */
    public JsonNode create(String topic, Instant start, int minutes) throws IOException {
        ObjectNode body = meeting(topic, start, minutes);
        body.put("type", 2);
        body.putObject("settings").put("join_before_host", false).put("waiting_room", true);
        return call("POST", "/v2/users/me/meetings", body);
    }

    public void update(String meetingId, String topic, Instant start, int minutes) throws IOException {
        call("PATCH", "/v2/meetings/" + meetingId, meeting(topic, start, minutes));
    }

    /** Deletes a meeting; one already gone (404) counts as deleted. */
    public void delete(String meetingId) throws IOException {
        try {
            call("DELETE", "/v2/meetings/" + meetingId, null);
        } catch (ZoomException e) {
            if (!e.getMessage().startsWith("zoom 404")) {
                throw e;
            }
        }
    }

    private static ObjectNode meeting(String topic, Instant start, int minutes) {
        ObjectNode body = JSON.createObjectNode();
        body.put("topic", topic.length() > 200 ? topic.substring(0, 200) : topic);
        body.put("start_time", start.toString().replaceFirst("\\.\\d+Z$", "Z"));
        body.put("timezone", "UTC");
        body.put("duration", minutes);
        return body;
    }

    private JsonNode call(String method, String path, ObjectNode body) throws IOException {
        Request request = new Request.Builder().url(config.apiUrl() + path).header("Authorization", "Bearer " + token())
                .method(method, body == null ? null : RequestBody.create(body.toString(), JSON_TYPE)).build();
        try (Response r = http.newCall(request).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            if (r.code() == 401) {
                token = null;
            }
            if (!r.isSuccessful()) {
                throw new ZoomException("zoom " + r.code() + " " + text, r.code() == 401 || r.code() == 429 || r.code() >= 500);
            }
            return text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        }
    }

    private String token() throws IOException {
        Token t = token;
        if (t != null && clock.instant().isBefore(t.refreshAt())) {
            return t.value();
        }
        synchronized (this) {
            t = token;
            if (t != null && clock.instant().isBefore(t.refreshAt())) {
                return t.value();
            }
            Request request = new Request.Builder()
                    .url(config.oauthUrl() + "/oauth/token?grant_type=account_credentials&account_id=" + config.accountId())
                    .header("Authorization", Credentials.basic(config.clientId(), config.clientSecret()))
                    .post(RequestBody.create(new byte[0], null)).build();
            try (Response r = http.newCall(request).execute()) {
                String text = r.body() == null ? "" : r.body().string();
                if (!r.isSuccessful()) {
                    throw new ZoomException("zoom oauth " + r.code() + " " + text, r.code() == 429 || r.code() >= 500);
                }
                JsonNode json = JSON.readTree(text);
                long expiresIn = json.path("expires_in").asLong(3600);
                t = new Token(json.path("access_token").asText(), clock.instant().plus(Duration.ofSeconds(Math.max(expiresIn - 60, 1))));
                token = t;
                return t.value();
            }
        }
    }
}
