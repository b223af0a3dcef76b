package dev.gatehouse.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.auth.Authenticator;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.imports.LocalStorageImport;
import dev.gatehouse.refusal.Refusal;
import io.javalin.http.Context;

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
        LocalStorageImport.Result result = imports.run(caller.userId(), app, ai.body(ctx));
        ObjectNode out = json.createObjectNode();
        out.put("object", "import.result");
        out.put("app", app);
        ObjectNode tables = out.putObject("tables");
        result.tables().forEach((table, c) -> tables.putObject(table).put("created", c.created()).put("unchanged", c.unchanged()).put("skipped", c.skipped()));
        LocalStorageImport.Counts total = result.total();
        out.put("created", total.created()).put("unchanged", total.unchanged()).put("skipped", total.skipped());
        ArrayNode skipped = out.putArray("skipped_items");
        result.skipped().forEach(s -> skipped.addObject().put("path", s.path()).put("reason", s.reason()).put("message", s.message()));
        ctx.json(out);
    }
}
