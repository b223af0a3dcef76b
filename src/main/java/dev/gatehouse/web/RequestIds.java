package dev.gatehouse.web;

import dev.gatehouse.redaction.Secrets;
import io.javalin.http.Context;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Every request gets a fresh key ({@code req_<32 hex>}, like OpenAI's ids), the key of its quota
 * reservation and usage row; a client-sent id is never trusted as a key. The id shown, echoed as
 * {@code x-request-id} and written in every log line as {@code request_id}, is the client's own
 * {@code x-request-id} when it is well-formed (8 to 64 of {@code A-Z a-z 0-9 . _ : -}, not shaped
 * like a credential), so a caller's trace id follows the request; otherwise the key. When the two
 * differ, log lines carry the key as {@code request_key}, which finds the usage row. A client's id is
 * logged as sent: clients must not put secrets in it (access tokens and API keys are refused by shape).
 */
public final class RequestIds {
    static final String ATTRIBUTE = "gatehouse.request-id";
    static final String SHOWN = "gatehouse.request-id-shown";
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{7,63}");

    private RequestIds() {}

    static UUID assign(Context ctx) {
        UUID id = UUID.randomUUID();
        ctx.attribute(ATTRIBUTE, id);
        return id;
    }

    /** Assigns the key and chooses the id shown: the client's when well-formed, else the key's header form. */
    static String assign(Context ctx, String sent) {
        String key = header(assign(ctx));
        String shown = sent != null && WELL_FORMED.matcher(sent).matches() && !Secrets.looksSecret(sent) ? sent : key;
        ctx.attribute(SHOWN, shown);
        return shown;
    }

    public static UUID of(Context ctx) {
        UUID id = ctx.attribute(ATTRIBUTE);
        return id != null ? id : assign(ctx);
    }

    /** The id echoed to the caller and logged (see the class comment). */
    public static String shown(Context ctx) {
        String shown = ctx.attribute(SHOWN);
        return shown != null ? shown : header(of(ctx));
    }

    public static String header(UUID id) {
        return "req_" + id.toString().replace("-", "");
    }
}
