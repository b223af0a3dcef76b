package dev.gatehouse.email;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

/** Resend's real answers: {@code POST /emails} success and its error bodies and headers. */
final class ResendWire {
    private ResendWire() {}

    static ResponseDefinitionBuilder sent(String id) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withHeader("ratelimit-limit", "2").withHeader("ratelimit-remaining", "1").withHeader("ratelimit-reset", "1")
                .withBody("{\"id\":\"" + id + "\"}");
    }

    static ResponseDefinitionBuilder error(int status, String name, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"statusCode\":" + status + ",\"name\":\"" + name + "\",\"message\":\"" + message + "\"}");
    }

    static ResponseDefinitionBuilder rateLimited(int retryAfterSeconds) {
        return error(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.")
                .withHeader("ratelimit-limit", "2").withHeader("ratelimit-remaining", "0")
                .withHeader("ratelimit-reset", Integer.toString(retryAfterSeconds)).withHeader("retry-after", Integer.toString(retryAfterSeconds));
    }

    static ResponseDefinitionBuilder dailyQuota() {
        return error(429, "daily_quota_exceeded", "You have reached your daily email sending quota.");
    }

    static ResponseDefinitionBuilder monthlyQuota() {
        return error(429, "monthly_quota_exceeded", "You have reached your monthly email sending quota.");
    }
}
