package dev.gatehouse.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.refusal.Refusal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every problem found in one export, each as "JSON path: what is wrong", refused together so the
 * caller fixes the whole document at once. What every app's export shares lives here too: the
 * document's top level and the items' own ids.
 */
final class Problems {
    /** The message quotes at most this many; the count says how many there were. */
    private static final int QUOTED = 50;

    private final List<String> found = new ArrayList<>();

    void add(String path, String what) {
        found.add(path + ": " + what);
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    /** 400 naming the first path as {@code param} and quoting the problems; nothing was written. */
    Refusal refusal() {
        return Refusal.badRequest(found.getFirst().split(":", 2)[0], found.size() + " problem(s) in the export, nothing was imported: "
                + String.join("; ", found.subList(0, Math.min(found.size(), QUOTED))));
    }

    /**
     * Checks the top level: a JSON object holding only {@code sections} and the optional
     * {@code version} (1), {@code app} (this one), {@code exported_at} and {@code extra} keys.
     * False when it is not an object at all.
     */
    boolean header(JsonNode doc, String app, List<String> sections, Set<String> extra) {
        if (doc == null || !doc.isObject()) {
            add("$", "the export must be a JSON object");
            return false;
        }
        Set<String> keys = new HashSet<>(Set.of("version", "exported_at", "app"));
        keys.addAll(sections);
        keys.addAll(extra);
        doc.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                add("$." + k, "unknown key; a " + app + " export holds " + String.join(", ", sections));
            }
        });
        if (doc.has("version") && doc.get("version").asInt(-1) != 1) {
            add("$.version", "only version 1 is understood");
        }
        if (doc.has("app") && !doc.get("app").asText().equals(app)) {
            add("$.app", "this export is for '" + doc.get("app").asText() + "', not '" + app + "'");
        }
        return true;
    }

    /** The item's {@code id} (the app's own id, stored as local_id), or null after noting the problem. */
    String localId(JsonNode item, String path) {
        JsonNode id = item.path("id");
        String localId = id.isTextual() || id.isIntegralNumber() ? id.asText() : null;
        if (localId == null || localId.isBlank() || localId.length() > 200) {
            add(path + ".id", "required, a string or integer of 1 to 200 characters (the app's own id)");
            return null;
        }
        return localId;
    }
}
