package dev.gatehouse.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenAI's rate-limit headers, so SDKs and dashboards read them unchanged. The
 * {@code x-ratelimit-*-requests} trio describes whichever limit binds now: the per-minute bucket, or
 * the period quota once fewer requests are left in it than in the bucket. {@code x-quota-*} always
 * describe the period quota.
 */
public final class RateLimitHeaders {
    private RateLimitHeaders() {}

    public static Map<String, String> of(Limits l, Instant now) {
        Map<String, String> h = new LinkedHashMap<>();
        long limit = l.rpmLimit();
        long remaining = l.rpmRemaining();
        Duration reset = Duration.ofMillis((long) Math.ceil(Math.max(l.rpmResetSeconds(), 0) * 1000));
        if (l.requestsLimit() != null) {
            long periodLeft = Math.max(l.requestsLimit() - l.requestsUsed(), 0);
            Duration untilPeriodEnd = l.periodEnd() == null ? Duration.ZERO : Duration.between(now, l.periodEnd());
            if (periodLeft <= remaining) {
                limit = l.requestsLimit();
                remaining = periodLeft;
                reset = untilPeriodEnd.isNegative() ? Duration.ZERO : untilPeriodEnd;
            }
            h.put("x-quota-limit-requests", Integer.toString(l.requestsLimit()));
            h.put("x-quota-remaining-requests", Long.toString(periodLeft));
        }
        if (l.tokensLimit() != null) {
            h.put("x-quota-limit-tokens", Long.toString(l.tokensLimit()));
            h.put("x-quota-remaining-tokens", Long.toString(Math.max(l.tokensLimit() - l.tokensUsed(), 0)));
        }
        if (l.periodEnd() != null) {
            h.put("x-quota-reset", l.periodEnd().toString());
        }
        h.put("x-ratelimit-limit-requests", Long.toString(limit));
        h.put("x-ratelimit-remaining-requests", Long.toString(remaining));
        h.put("x-ratelimit-reset-requests", duration(reset));
        return h;
    }

    /** OpenAI's duration format: {@code 120ms}, {@code 1s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = (ms + 999) / 1000;
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        if (m > 0) {
            return m + "m" + sec + "s";
        }
        return sec + "s";
    }
}
