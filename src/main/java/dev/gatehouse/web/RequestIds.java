package dev.gatehouse.web;

import io.javalin.http.Context;
import java.util.UUID;

/**
 * Every request gets a fresh id, echoed as {@code x-request-id} ({@code req_<32 hex>}, like OpenAI's)
 * and used as the key of its quota reservation and usage row, so one id ties logs, headers and
 * ledger together. A client-sent id is never trusted as a key.
 */
public final class RequestIds {
    static final String ATTRIBUTE = "gatehouse.request-id";

    private RequestIds() {}

    static UUID assign(Context ctx) {
        UUID id = UUID.randomUUID();
        ctx.attribute(ATTRIBUTE, id);
        return id;
    }

    public static UUID of(Context ctx) {
        UUID id = ctx.attribute(ATTRIBUTE);
        return id != null ? id : assign(ctx);
    }

    public static String header(UUID id) {
        return "req_" + id.toString().replace("-", "");
    }
}
