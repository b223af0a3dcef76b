package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;

/** Writes errors in OpenAI's shape. The one place HTTP error bodies are produced. */
public final class ErrorBodies {
    private ErrorBodies() {}

    public static Map<String, Object> body(String message, String type, String param, String code) {
        return Refusal.body(message, type, param, code);
    }

    /** Javalin's own refusals (no route, wrong method, body too large...) with a code an SDK can match on. */
    static void writeJavalin(Context ctx, HttpResponseException e) {
        int status = e.getStatus();
        String code = switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "request_too_large";
            default -> null;
        };
        String message = switch (status) {
            case 404 -> noRoute(ctx);
            case 405 -> ctx.method() + " is not allowed on " + ctx.path() + ".";
            default -> e.getMessage();
        };
        ctx.status(status).json(body(message, status >= 500 ? "server_error" : "invalid_request_error", null, code));
    }

    static String noRoute(Context ctx) {
        return "No route for " + ctx.method() + " " + ctx.path() + ".";
    }

    public static void write(Context ctx, Refusal e) {
        e.headers().forEach(ctx::header);
        ctx.status(e.status()).json(body(e.getMessage(), e.type(), e.param(), e.code()));
    }
}
