package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes errors in OpenAI's shape. The one place HTTP error bodies are produced. */
public final class ErrorBodies {
    private ErrorBodies() {}

    public static Map<String, Object> body(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }

    public static void write(Context ctx, Refusal e) {
        e.headers().forEach(ctx::header);
        ctx.status(e.status()).json(body(e.getMessage(), e.type(), e.param(), e.code()));
    }
}
