package dev.gatehouse.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.db.UserTransaction;
import dev.gatehouse.imports.ImportFormat.Field;
import dev.gatehouse.imports.ImportFormat.Section;
import dev.gatehouse.refusal.Refusal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@code POST /v1/import/{app}}'s work: the whole document is checked first and every problem reported
 * by JSON path; then every row is written in one transaction as the caller (RLS decides, so only the
 * caller's own rows can be written or referenced), or none is. Idempotent by the app's ids: an item
 * whose id was imported before is "unchanged" when equal and "skipped" (the account's copy is kept,
 * never overwritten) when it differs. The learning platform's export, which names the platform's
 * own courses and lessons and follows its enrollment and chat rules, is {@link LearningImport}'s.
 */
public final class LocalStorageImport {
    static final int MAX_ITEMS = 5000;

    private final DataSource db;

    public LocalStorageImport(DataSource db) {
        this.db = db;
    }

    public record Counts(int created, int unchanged, int skipped) {
        public Counts plus(Counts o) {
            return new Counts(created + o.created, unchanged + o.unchanged, skipped + o.skipped);
        }
    }

    /** An item the import left alone, with why: {@code reason} is a stable code, {@code message} says it for people. */
    public record Skipped(String path, String reason, String message) {
        static Skipped changed(String path) {
            return new Skipped(path, "changed", "an item with this id was imported before with other content; the account's copy is kept");
        }
    }

    /** Counts per table (in the document's section order) and every item skipped. */
    public record Result(Map<String, Counts> tables, List<Skipped> skipped) {
        public Counts total() {
            return tables.values().stream().reduce(new Counts(0, 0, 0), Counts::plus);
        }
    }

    private record Item(String path, String localId, Map<Field, Object> values) {}

    public static Set<String> apps() {
        Set<String> apps = new java.util.TreeSet<>(ImportFormat.APPS.keySet());
        apps.add(LearningImport.APP);
        return apps;
    }

    /** Counts per table, in the document's section order, and the items skipped. */
    public Result run(UUID userId, String app, JsonNode doc) {
        if (app.equals(LearningImport.APP)) {
            return new LearningImport(db).run(userId, doc);
        }
        ImportFormat format = ImportFormat.APPS.get(app);
        if (format == null) {
            throw Refusal.notFound("No importer for '" + app + "'; apps: " + String.join(", ", apps()) + ".");
        }
        Problems problems = new Problems();
        Map<Section, List<Item>> items = validate(format, doc, problems);
        if (!problems.isEmpty()) {
            throw problems.refusal();
        }
        try {
            return UserTransaction.run(db, userId, c -> {
                Map<String, Counts> out = new LinkedHashMap<>();
                List<Skipped> skipped = new ArrayList<>();
                for (Map.Entry<Section, List<Item>> section : items.entrySet()) {
                    Counts counts = new Counts(0, 0, 0);
                    for (Item item : section.getValue()) {
                        Counts one = write(c, section.getKey(), item);
                        if (one.skipped() > 0) {
                            skipped.add(Skipped.changed(item.path()));
                        }
                        counts = counts.plus(one);
                    }
                    out.put(section.getKey().table(), counts);
                }
                return new Result(out, skipped);
            });
        } catch (SQLException e) {
            throw notWritten(e);
        }
    }

    static Refusal notWritten(SQLException e) {
        return Refusal.badRequest(null, "The export could not be written, so nothing was imported: " + e.getMessage());
    }

    private static Map<Section, List<Item>> validate(ImportFormat format, JsonNode doc, Problems problems) {
        Map<Section, List<Item>> out = new LinkedHashMap<>();
        if (!problems.header(doc, format.app(), format.sections().stream().map(Section::key).toList(), Set.of())) {
            return out;
        }
        int total = 0;
        for (Section s : format.sections()) {
            JsonNode array = doc.path(s.key());
            List<Item> list = new ArrayList<>();
            out.put(s, list);
            if (array.isMissingNode() || array.isNull()) {
                continue;
            }
            if (!array.isArray()) {
                problems.add("$." + s.key(), "expected an array");
                continue;
            }
            total += array.size();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < array.size(); i++) {
                Item item = item("$." + s.key() + "[" + i + "]", s, array.get(i), problems);
                if (item != null && item.localId() != null && !seen.add(item.localId())) {
                    problems.add(item.path() + ".id", "the id '" + item.localId() + "' appears twice in " + s.key());
                }
                if (item != null) {
                    list.add(item);
                }
            }
        }
        if (total > MAX_ITEMS) {
            problems.add("$", total + " items; at most " + MAX_ITEMS + " per import");
        }
        return out;
    }

    private static Item item(String path, Section s, JsonNode node, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, "expected an object");
            return null;
        }
        Map<String, Field> byName = new LinkedHashMap<>();
        s.fields().forEach(f -> byName.put(f.name(), f));
        node.fieldNames().forEachRemaining(k -> {
            if (!k.equals("id") && !byName.containsKey(k)) {
                problems.add(path + "." + k, "unknown field");
            }
        });
        String localId = problems.localId(node, path);
        Map<Field, Object> values = new LinkedHashMap<>();
        for (Field f : s.fields()) {
            JsonNode v = node.get(f.name());
            String at = path + "." + f.name();
            if (v == null || v.isNull()) {
                if (f.required()) {
                    problems.add(at, "required");
                }
                continue;
            }
            Object value = value(f, v, at, problems);
            if (value != null) {
                values.put(f, value);
            }
        }
        return new Item(path, localId, values);
    }

    private static Object value(Field f, JsonNode v, String at, Problems problems) {
        switch (f.kind()) {
            case TEXT, CLIENT_REF, CAMPAIGN_REF -> {
                String text = v.isTextual() || (v.isIntegralNumber() && f.kind() != ImportFormat.Kind.TEXT) ? v.asText() : null;
                if (text == null || text.length() > f.maxLength() || (f.required() && text.isBlank())) {
                    problems.add(at, "expected a " + (f.required() ? "non-empty " : "") + "string of at most " + f.maxLength() + " characters");
                } else if (!f.allowed().isEmpty() && !f.allowed().contains(text)) {
                    problems.add(at, "expected one of " + String.join(", ", f.allowed().stream().sorted().toList()));
                } else {
                    return text;
                }
            }
            case TEXT_LIST -> {
                List<String> list = new ArrayList<>();
                if (v.isArray() && v.size() <= 32) {
                    v.forEach(e -> list.add(e.isTextual() && e.asText().length() <= f.maxLength() ? e.asText() : null));
                }
                if (!v.isArray() || v.size() > 32 || list.contains(null)) {
                    problems.add(at, "expected at most 32 strings of at most " + f.maxLength() + " characters");
                } else {
                    return list;
                }
            }
            case OBJECT -> {
                if (!v.isObject()) {
                    problems.add(at, "expected an object");
                } else {
                    return v;
                }
            }
            case DATE -> {
                try {
                    return LocalDate.parse(v.asText()).toString();
                } catch (DateTimeParseException e) {
                    problems.add(at, "expected a date (YYYY-MM-DD)");
                }
            }
            case SCORE -> {
                if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 100) {
                    problems.add(at, "expected an integer from 0 to 100");
                } else {
                    return v.asInt();
                }
            }
        }
        return null;
    }

    /** Inserts the item unless its id was imported before; then compares it with the stored row. */
    private static Counts write(Connection c, Section s, Item item) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String> casts = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        for (Map.Entry<Field, Object> e : item.values().entrySet()) {
            Field f = e.getKey();
            columns.add(f.column());
            casts.add(f.cast());
            params.add(switch (f.kind()) {
                case CLIENT_REF -> reference(c, "clients", (String) e.getValue(), item.path() + "." + f.name());
                case CAMPAIGN_REF -> reference(c, "campaigns", (String) e.getValue(), item.path() + "." + f.name());
                case TEXT_LIST -> c.createArrayOf("text", ((List<?>) e.getValue()).toArray());
                case OBJECT -> e.getValue().toString();
                default -> e.getValue();
            });
        }
        StringBuilder insert = new StringBuilder("insert into public.").append(s.table()).append(" (user_id, local_id");
        columns.forEach(col -> insert.append(", ").append(col));
        insert.append(") values ((select auth.uid()), ?");
        casts.forEach(cast -> insert.append(", ").append(cast));
        insert.append(") on conflict (user_id, local_id) do nothing returning id");
        if (execute(c, insert.toString(), item.localId(), params)) {
            return new Counts(1, 0, 0);
        }
        StringBuilder same = new StringBuilder("select 1 from public.").append(s.table()).append(" where local_id = ?");
        for (int i = 0; i < columns.size(); i++) {
            same.append(" and ").append(columns.get(i)).append(" is not distinct from ").append(casts.get(i));
        }
        return execute(c, same.toString(), item.localId(), params) ? new Counts(0, 1, 0) : new Counts(0, 0, 1);
    }

    /** The caller's own row with that app id, imported now or before; RLS hides everyone else's. */
    private static UUID reference(Connection c, String table, String localId, String path) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select id from public." + table + " where local_id = ?")) {
            ps.setString(1, localId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return (UUID) rs.getObject(1);
                }
            }
        }
        throw Refusal.badRequest(path, path + ": no " + table.substring(0, table.length() - 1) + " with id '" + localId
                + "' in this export or in your account; nothing was imported.");
    }

    private static boolean execute(Connection c, String sql, String localId, List<Object> params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, localId);
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 2, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
