package dev.gatehouse.web;

import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.util.Map;

/** Writes errors in OpenAI's shape. The one place HTTP error bodies are produced. */
public final class ErrorBodies {
    private ErrorBodies() {}

    public static Map<String, Object> body(String message, String type, String param, String code) {
        return Refusal.body(message, type, param, code);
    }

    public static void write(Context ctx, Refusal e) {
        e.headers().forEach(ctx::header);
        ctx.status(e.status()).json(body(e.getMessage(), e.type(), e.param(), e.code()));
    }
}
