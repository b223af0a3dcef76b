package dev.gatehouse.imports;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The export format of each app, as data: which arrays a document holds, the table each goes to and
 * the fields of its items. Every item also has an {@code id}: the app's own id, stored as local_id.
 */
record ImportFormat(String app, List<Section> sections) {
    enum Kind { TEXT, TEXT_LIST, OBJECT, DATE, SCORE, CLIENT_REF, CAMPAIGN_REF }

    record Field(String name, String column, Kind kind, int maxLength, boolean required, Set<String> allowed) {
        static Field text(String name, int max, boolean required) {
            return new Field(name, name, Kind.TEXT, max, required, Set.of());
        }

        String cast() {
            return switch (kind) {
                case TEXT -> "?::text";
                case TEXT_LIST -> "?::text[]";
                case OBJECT -> "?::jsonb";
                case DATE -> "?::date";
                case SCORE -> "?::smallint";
                case CLIENT_REF, CAMPAIGN_REF -> "?::uuid";
            };
        }
    }

    /** One array of the document ({@code key}) and the table its items become rows of. */
    record Section(String key, String table, List<Field> fields) {}

    private static final Field METADATA = new Field("metadata", "metadata", Kind.OBJECT, 0, false, Set.of());

    static final Map<String, ImportFormat> APPS = Map.of(
            "prompts", new ImportFormat("prompts", List.of(
                    new Section("prompts", "prompts", List.of(
                            Field.text("title", 200, true), Field.text("body", 100_000, true), Field.text("enriched_body", 200_000, false),
                            new Field("tags", "tags", Kind.TEXT_LIST, 100, false, Set.of()), Field.text("model", 200, false), METADATA)))),
            "sales", new ImportFormat("sales", List.of(
                    new Section("clients", "clients", List.of(
                            Field.text("name", 200, true), Field.text("company", 200, false), Field.text("email", 320, false),
                            Field.text("phone", 50, false), Field.text("notes", 20_000, false), METADATA)),
                    new Section("campaigns", "campaigns", List.of(
                            Field.text("name", 200, true),
                            new Field("status", "status", Kind.TEXT, 20, false, Set.of("draft", "active", "paused", "completed")),
                            Field.text("goal", 4000, false), new Field("starts_on", "starts_on", Kind.DATE, 0, false, Set.of()),
                            new Field("ends_on", "ends_on", Kind.DATE, 0, false, Set.of()), METADATA)),
                    new Section("analyses", "call_analyses", List.of(
                            Field.text("title", 200, false), Field.text("transcript", 60_000, false),
                            new Field("analysis", "analysis", Kind.OBJECT, 0, true, Set.of()),
                            new Field("score", "score", Kind.SCORE, 0, false, Set.of()),
                            new Field("client_id", "client_ref", Kind.CLIENT_REF, 200, false, Set.of()),
                            new Field("campaign_id", "campaign_ref", Kind.CAMPAIGN_REF, 200, false, Set.of()))))));
}
