package dev.gatehouse.web;

import dev.gatehouse.config.CorsOrigins;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * CORS for the routes browsers call (web apps and the AI-mentor extension, {@code chrome-extension://<id>}):
 * preflights answered 204 for allowed origins, and the rate-limit headers exposed to scripts.
 *
 * <p>Written here rather than with Javalin's CorsPlugin because the rules are exact and few: a loopback
 * origin on any port in dev, preflights that allow precisely the headers the OpenAI JS SDK sends, a 204, and
 * no CORS at all on server-to-server paths, which the plugin's host and path rules cannot all say.
 *
 * <p>A disallowed origin gets no {@code Access-Control-*} header; its request is otherwise handled (and
 * authenticated) as usual, so CORS only ever decides what a browser lets a page read. No credentials
 * (cookies) are ever allowed: the caller's bearer token travels in a header.
 */
final class CrossOrigin {
    /** Webhooks (Stripe) and hooks (Supabase Auth) are called by servers, never by a page. */
    private static final String[] SERVER_TO_SERVER = {"/webhooks", "/hooks"};
    /**
     * Headers a page may send besides the CORS-safelisted ones. The x-stainless-* family is what the
     * official OpenAI JS SDK (openai 7.x, read in its client.mjs, internal/detect-platform.mjs and
     * lib/polling.mjs) adds in a browser; any other x-stainless-* header it adds later is allowed too.
     */
    static final Set<String> ALLOWED_HEADERS = Set.of(
            "authorization", "content-type", "x-request-id", "openai-organization", "openai-project",
            "x-stainless-lang", "x-stainless-package-version", "x-stainless-os", "x-stainless-arch",
            "x-stainless-runtime", "x-stainless-runtime-version", "x-stainless-retry-count", "x-stainless-timeout",
            "x-stainless-helper-method", "x-stainless-poll-helper", "x-stainless-custom-poll-interval");
    private static final String STAINLESS = "x-stainless-";
    static final String EXPOSED_HEADERS = String.join(", ",
            "x-request-id", "retry-after",
            "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
            "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens",
            "x-quota-limit-requests", "x-quota-remaining-requests", "x-quota-limit-tokens", "x-quota-remaining-tokens",
            "x-quota-reset", "x-gatehouse-dev-stand-in", "x-gatehouse-dev-output");
    static final String ALLOWED_METHODS = "GET, POST";
    /** Chromium caps a cached preflight at 2 hours; longer would only be ignored. */
    static final String MAX_AGE_SECONDS = "7200";

    private final CorsOrigins origins;

    CrossOrigin(CorsOrigins origins) {
        this.origins = origins;
    }

    static boolean serverToServer(String path) {
        for (String prefix : SERVER_TO_SERVER) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    /** A before-handler: answers preflights, and marks allowed cross-origin responses readable. */
    void handle(Context ctx) {
        if (serverToServer(ctx.path())) {
            return;
        }
        ctx.header("Vary", "Origin");
        String origin = ctx.header("Origin");
        boolean preflight = ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null;
        if (!origins.allows(origin)) {
            if (preflight) {
                throw Refusal.forbidden("origin_not_allowed", "This origin may not call the service from a browser;"
                        + " the operator lists allowed origins in CORS_ORIGINS.");
            }
            return;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        if (!preflight) {
            ctx.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
            return;
        }
        ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
        String allowed = allowedOf(ctx.header("Access-Control-Request-Headers"));
        if (!allowed.isEmpty()) {
            ctx.header("Access-Control-Allow-Headers", allowed);
        }
        ctx.header("Access-Control-Max-Age", MAX_AGE_SECONDS);
        ctx.status(204);
        ctx.skipRemainingHandlers();
    }

    /** The requested headers this service accepts; a header left out makes the browser refuse the call. */
    static String allowedOf(String requested) {
        if (requested == null || requested.isBlank()) {
            return "";
        }
        StringJoiner out = new StringJoiner(", ");
        for (String h : requested.split(",")) {
            String name = h.strip().toLowerCase(Locale.ROOT);
            if (ALLOWED_HEADERS.contains(name) || (name.startsWith(STAINLESS) && name.length() <= 64 && name.matches("[a-z0-9-]+"))) {
                out.add(name);
            }
        }
        return out.toString();
    }
}
