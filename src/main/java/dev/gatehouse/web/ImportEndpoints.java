package dev.gatehouse.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.imports.LocalStorageImport;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;
import java.util.Map;

/**
 * {@code POST /v1/import/{app}}: a sister app's localStorage export, written as the caller. Only a
 * Supabase session token may import (an API key is for AI calls and carries no data-write scope).
 */
public final class ImportEndpoints {
    private final ObjectMapper json;
    private final Authenticator auth;
    private final GatewayEndpoints ai;
    private final LocalStorageImport imports;

    public ImportEndpoints(ObjectMapper json, Authenticator auth, GatewayEndpoints ai, LocalStorageImport imports) {
        this.json = json;
        this.auth = auth;
        this.ai = ai;
        this.imports = imports;
    }

    public void importApp(Context ctx) {
        Caller caller = auth.authenticate(ctx.header("Authorization"));
        if (caller.via() != Caller.Via.ACCESS_TOKEN) {
            throw Refusal.forbidden("session_required", "Importing needs the user's Supabase session token, not an API key.");
        }
        String app = ctx.pathParam("app");
        Map<String, LocalStorageImport.Counts> counts = imports.run(caller.userId(), app, ai.body(ctx));
        ObjectNode out = json.createObjectNode();
        out.put("object", "import.result");
        out.put("app", app);
        ObjectNode tables = out.putObject("tables");
        LocalStorageImport.Counts total = new LocalStorageImport.Counts(0, 0, 0);
        for (Map.Entry<String, LocalStorageImport.Counts> e : counts.entrySet()) {
            LocalStorageImport.Counts c = e.getValue();
            tables.putObject(e.getKey()).put("created", c.created()).put("unchanged", c.unchanged()).put("skipped", c.skipped());
            total = new LocalStorageImport.Counts(total.created() + c.created(), total.unchanged() + c.unchanged(), total.skipped() + c.skipped());
        }
        out.put("created", total.created()).put("unchanged", total.unchanged()).put("skipped", total.skipped());
        ctx.json(out);
    }
}
