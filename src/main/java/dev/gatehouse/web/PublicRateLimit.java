package dev.gatehouse.web;

import dev.gatehouse.config.EdgeSettings;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per client IP on the endpoints anyone may call without a credential ({@link #isPublic}): health
 * and readiness probes, certificate verification, the API document and its page. Authenticated endpoints are
 * limited per user by the plan, and the webhooks are exempt: their signature is checked before any work, and a
 * limited Stripe or Supabase Auth would only retry later. Memory is bounded: at most
 * {@link EdgeSettings#trackedClients()} addresses are remembered, the least recently seen forgotten first (a
 * forgotten address starts with a full bucket, which an attacker with that many addresses gets anyway).
 *
 * <p>The client is the TCP peer, unless the peer is a trusted proxy ({@code GATEHOUSE_TRUSTED_PROXIES}): then
 * it is the right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy, since every entry left
 * of the first untrusted hop could have been written by the client.
 */
final class PublicRateLimit {
    private final EdgeSettings edge;
    private final double tokensPerNano;
    private final int burst;
    private final LongSupplier nanos;
    private final Map<String, double[]> buckets;

    PublicRateLimit(EdgeSettings edge, LongSupplier nanos) {
        this.edge = edge;
        this.burst = Math.max(1, edge.publicRequestsPerMinute());
        this.tokensPerNano = edge.publicRequestsPerMinute() / 60e9;
        this.nanos = nanos;
        int max = edge.trackedClients();
        this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > max;
            }
        };
    }

    /** The unauthenticated endpoints; everything else needs a credential or a signature. */
    static boolean isPublic(String path) {
        return path.equals("/health") || path.equals("/ready") || path.equals("/openapi.json") || path.equals("/docs")
                || path.startsWith("/docs/") || path.startsWith("/certificates/");
    }

    /** Refuses with 429 and {@code Retry-After} when the caller's address has used its burst. */
    void check(Context ctx) {
        if (edge.publicRequestsPerMinute() == 0 || !isPublic(ctx.path())) {
            return;
        }
        String client = client(ctx.req().getRemoteAddr(), ctx.req().getHeaders("X-Forwarded-For"));
        long wait = take(client);
        if (wait > 0) {
            throw new Refusal(429, "requests", "rate_limit_exceeded", null,
                    "Too many requests from this address to unauthenticated endpoints (" + edge.publicRequestsPerMinute() + " a minute); retry after "
                            + wait + " s.", Map.of("Retry-After", String.valueOf(wait)));
        }
    }

    /** 0 when a token was taken; else the whole seconds until one is available. */
    long take(String client) {
        long now = nanos.getAsLong();
        synchronized (buckets) {
            double[] b = buckets.computeIfAbsent(client, k -> new double[] {burst, now});
            b[0] = Math.min(burst, b[0] + (now - (long) b[1]) * tokensPerNano);
            b[1] = now;
            if (b[0] >= 1) {
                b[0] -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b[0]) / tokensPerNano / 1e9));
        }
    }

    int tracked() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    String client(String peer, Enumeration<String> forwardedHeaders) {
        if (!edge.trusted(peer) || forwardedHeaders == null || !forwardedHeaders.hasMoreElements()) {
            return peer;
        }
        java.util.List<String> hops = new java.util.ArrayList<>();
        while (forwardedHeaders.hasMoreElements()) {
            for (String hop : forwardedHeaders.nextElement().split(",")) {
                hops.add(hop.strip());
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (EdgeSettings.address(hop) == null) {
                return client; // a malformed entry: trust nothing left of it
            }
            client = hop;
            if (!edge.trusted(hop)) {
                return hop;
            }
        }
        return client;
    }
}
