package dev.gatehouse.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.ai.tasks.TaskCatalog;
import dev.gatehouse.auth.Caller;
import dev.gatehouse.refusal.Refusal;
import dev.gatehouse.sales.CallAnalyses;
import io.javalin.http.Context;
import java.util.Set;
import java.util.UUID;

/**
 * The sales-call analyser's {@code POST /v1/sales/call-analyses}: runs the sales-call-analysis task on a
 * transcript and saves the result as the caller's own {@code call_analyses} row (through RLS), optionally
 * under one of the caller's clients, answering with the saved row's id and the analysis.
 */
public final class SalesEndpoints {
    private final ObjectMapper json;
    private final GatewayEndpoints ai;
    private final TaskCatalog tasks;
    private final CallAnalyses analyses;

    public SalesEndpoints(ObjectMapper json, GatewayEndpoints ai, TaskCatalog tasks, CallAnalyses analyses) {
        this.json = json;
        this.ai = ai;
        this.tasks = tasks;
        this.analyses = analyses;
    }

    public void analyse(Context ctx) {
        Caller caller = ai.caller(ctx, "tasks");
        ObjectNode raw = (ObjectNode) ai.body(ctx).deepCopy();
        String title = text(raw.remove("title"), "title");
        UUID client = clientId(raw.remove("client_id"));
        ObjectNode body = SisterAppBodies.taskBody(json, raw, Set.of("transcript"),
                "transcript", "transcript", "product", "product", "context", "context");
        if (client != null) {
            analyses.requireOwnClient(caller.userId(), client);
        }
        String transcript = body.path("variables").path("transcript").asText();
        ai.runTask(ctx, caller, tasks.require("sales-call-analysis"), body, (output, completion, request) -> {
            UUID id = analyses.save(caller.userId(), new CallAnalyses.NewAnalysis(client, title, transcript, output, request.alias(),
                    RequestIds.shown(ctx)));
            ObjectNode out = json.createObjectNode();
            out.put("object", "call_analysis");
            out.put("id", id.toString());
            if (client != null) {
                out.put("client_id", client.toString());
            }
            out.set("analysis", output);
            out.put("model", request.alias());
            out.set("usage", completion.body().path("usage"));
            return out;
        });
    }

    private static String text(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().length() > 200) {
            throw Refusal.badRequest(field, "'" + field + "' must be a string of at most 200 characters.");
        }
        return value.asText();
    }

    private static UUID clientId(JsonNode value) {
        String s = text(value, "client_id");
        if (s == null) {
            return null;
        }
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw Refusal.badRequest("client_id", "'client_id' must be a uuid.");
        }
    }
}
