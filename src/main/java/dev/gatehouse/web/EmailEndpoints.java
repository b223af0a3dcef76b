package dev.gatehouse.web;

import dev.gatehouse.email.SendEmailHook;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code POST /hooks/auth/send-email}: Supabase Auth's Send Email hook. Answers in the shape Auth
 * reads: 200 with a JSON body on success; on failure {@code {"error": {"http_code", "message"}}} with
 * the status (401 for a bad signature, 400 for a payload that cannot be mailed, 503 + Retry-After so
 * Auth retries when the outbox is unreachable).
 */
public final class EmailEndpoints {
    private final SendEmailHook hook;

    public EmailEndpoints(SendEmailHook hook) {
        this.hook = hook;
    }

    public void sendEmailHook(Context ctx) {
        try {
            int queued = hook.receive(ctx.header("webhook-id"), ctx.header("webhook-timestamp"), ctx.header("webhook-signature"), ctx.bodyAsBytes());
            ctx.status(200).json(Map.of("queued", queued));
        } catch (Refusal r) {
            r.headers().forEach(ctx::header);
            ctx.status(r.status()).json(Map.of("error", Map.of("http_code", r.status(), "message", r.getMessage())));
        }
    }
}
