package dev.gatehouse.imports;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The learning platform's localStorage export, checked as a whole before anything is written: every
 * problem is noted by JSON path. Courses are named by id or slug, lessons by id or by position in
 * their course (resolved later, as the caller). Rows are always the caller's: a user field
 * ({@code user_id}, {@code student_id}, {@code author_id}) anywhere in the document is refused
 * unless it is the caller's own id.
 */
record LearningExport(List<Enrollment> enrollments, List<Progress> progress, List<Message> messages, List<Note> notes) {
    static final List<String> SECTIONS = List.of("enrollments", "progress", "messages", "notes");
    static final Set<String> USER_FIELDS = Set.of("user_id", "student_id", "author_id");
    private static final Pattern UUID_TEXT = Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    private static final Pattern SLUG = Pattern.compile("^[a-z0-9]+(-[a-z0-9]+)*$");
    private static final int MAX_LESSON_POSITION = 100_000;

    /** A course as the export names it: its id or its slug ({@code value}), at {@code path}. */
    record CourseRef(String path, String value) {}

    /** A lesson as the export names it: its {@code id}, or else its {@code position} (from 1) in the course. */
    record LessonRef(String path, UUID id, int position) {}

    record Enrollment(String path, CourseRef course) {}

    record Progress(String path, CourseRef course, List<LessonRef> lessons) {}

    record Message(String path, String localId, CourseRef course, String body) {}

    record Note(String path, String localId, CourseRef course, LessonRef lesson, String body) {}

    /** Rows the document would write: one per enrollment, completed lesson, message and note. */
    int rows() {
        return enrollments.size() + progress.stream().mapToInt(p -> p.lessons().size()).sum() + messages.size() + notes.size();
    }

    static LearningExport parse(JsonNode doc, UUID caller, Problems problems) {
        if (!problems.header(doc, LearningImport.APP, SECTIONS, Set.of("user_id"))) {
            return new LearningExport(List.of(), List.of(), List.of(), List.of());
        }
        Items items = new Items(doc, caller, problems);
        mine(doc, "$", "user_id", caller, problems);
        LearningExport export = new LearningExport(
                items.section("enrollments", Set.of("course"), (path, node) -> new Enrollment(path, items.course(node, path))),
                items.section("progress", Set.of("course", "completed_lessons"),
                        (path, node) -> new Progress(path, items.course(node, path), items.lessons(node, path))),
                items.section("messages", Set.of("id", "course", "body"),
                        (path, node) -> new Message(path, problems.localId(node, path), items.course(node, path), items.text(node, path + ".body", "body", 4000))),
                items.section("notes", Set.of("id", "course", "lesson", "body"), (path, node) -> new Note(path, problems.localId(node, path),
                        items.course(node, path), node.hasNonNull("lesson") ? items.lesson(node.get("lesson"), path + ".lesson") : null,
                        items.text(node, path + ".body", "body", 20_000))));
        export.unique(problems);
        if (export.rows() > LocalStorageImport.MAX_ITEMS) {
            problems.add("$", export.rows() + " rows; at most " + LocalStorageImport.MAX_ITEMS + " per import");
        }
        return export;
    }

    /** Each course enrolled in or with progress once, each message and note id once, each lesson once per course. */
    private void unique(Problems problems) {
        Set<String> seen = new HashSet<>();
        enrollments.forEach(e -> once(seen, "enrollment:" + e.course().value(), e.course().path(), "course '" + e.course().value() + "' appears twice in enrollments", problems));
        progress.forEach(p -> {
            once(seen, "progress:" + p.course().value(), p.course().path(), "course '" + p.course().value() + "' appears twice in progress", problems);
            Set<String> lessons = new HashSet<>();
            p.lessons().forEach(l -> once(lessons, l.id() != null ? l.id().toString() : "#" + l.position(), l.path(), "this lesson appears twice", problems));
        });
        messages.forEach(m -> once(seen, "message:" + m.localId(), m.path() + ".id", "the id '" + m.localId() + "' appears twice in messages", problems));
        notes.forEach(n -> once(seen, "note:" + n.localId(), n.path() + ".id", "the id '" + n.localId() + "' appears twice in notes", problems));
    }

    private static void once(Set<String> seen, String key, String path, String what, Problems problems) {
        if (!key.endsWith(":null") && !seen.add(key)) {
            problems.add(path, what);
        }
    }

    /** A user field must name the caller: an import writes only the caller's own rows. */
    private static void mine(JsonNode node, String path, String field, UUID caller, Problems problems) {
        JsonNode v = node.get(field);
        if (v != null && !v.isNull() && !v.asText().equalsIgnoreCase(caller.toString())) {
            problems.add(path + "." + field, "not your user id; an import writes only the signed-in user's own rows (leave it out)");
        }
    }

    /** Reads one section's items, noting every problem. */
    private record Items(JsonNode doc, UUID caller, Problems problems) {
        <T> List<T> section(String key, Set<String> fields, BiFunction<String, JsonNode, T> read) {
            List<T> out = new ArrayList<>();
            JsonNode array = doc.path(key);
            if (array.isMissingNode() || array.isNull()) {
                return out;
            }
            if (!array.isArray()) {
                problems.add("$." + key, "expected an array");
                return out;
            }
            for (int i = 0; i < array.size(); i++) {
                String path = "$." + key + "[" + i + "]";
                JsonNode node = array.get(i);
                if (!node.isObject()) {
                    problems.add(path, "expected an object");
                    continue;
                }
                node.fieldNames().forEachRemaining(f -> {
                    if (USER_FIELDS.contains(f)) {
                        mine(node, path, f, caller, problems);
                    } else if (!fields.contains(f)) {
                        problems.add(path + "." + f, "unknown field; expected " + String.join(", ", fields.stream().sorted().toList()));
                    }
                });
                out.add(read.apply(path, node));
            }
            return out;
        }

        CourseRef course(JsonNode node, String path) {
            JsonNode v = node.path("course");
            String text = v.isTextual() ? v.asText() : null;
            if (text == null || !(UUID_TEXT.matcher(text).matches() || text.length() <= 120 && SLUG.matcher(text).matches())) {
                problems.add(path + ".course", "required, the course's id (a uuid) or its slug");
            }
            return new CourseRef(path + ".course", text);
        }

        List<LessonRef> lessons(JsonNode node, String path) {
            JsonNode v = node.path("completed_lessons");
            List<LessonRef> out = new ArrayList<>();
            if (!v.isArray()) {
                problems.add(path + ".completed_lessons", "required, an array of lesson ids or positions");
                return out;
            }
            for (int i = 0; i < v.size(); i++) {
                LessonRef ref = lesson(v.get(i), path + ".completed_lessons[" + i + "]");
                if (ref != null) {
                    out.add(ref);
                }
            }
            return out;
        }

        LessonRef lesson(JsonNode v, String path) {
            if (v.isTextual() && UUID_TEXT.matcher(v.asText()).matches()) {
                return new LessonRef(path, UUID.fromString(v.asText()), 0);
            }
            if (v.isIntegralNumber() && v.canConvertToInt() && v.asInt() >= 1 && v.asInt() <= MAX_LESSON_POSITION) {
                return new LessonRef(path, null, v.asInt());
            }
            problems.add(path, "expected a lesson id (a uuid) or its position in the course (an integer from 1)");
            return null;
        }

        String text(JsonNode node, String path, String field, int max) {
            JsonNode v = node.path(field);
            if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > max || v.asText().indexOf('\0') >= 0) {
                problems.add(path, "required, a non-blank string of at most " + max + " characters, without NUL characters");
                return null;
            }
            return v.asText();
        }
    }
}
