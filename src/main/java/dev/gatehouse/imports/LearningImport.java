package dev.gatehouse.imports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.db.UserTransaction;
import dev.gatehouse.imports.LearningExport.CourseRef;
import dev.gatehouse.imports.LearningExport.LessonRef;
import dev.gatehouse.imports.LocalStorageImport.Counts;
import dev.gatehouse.imports.LocalStorageImport.Result;
import dev.gatehouse.imports.LocalStorageImport.Skipped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@code POST /v1/import/learning}: the learning platform's enrollments, lesson progress, chat messages
 * and notes, written in one transaction as the caller, through RLS, or not at all. The platform's rules
 * hold as they do for its front end, checked first so that a row the rules refuse is reported as
 * skipped (with its reason) instead of failing the whole import, while RLS still decides every write:
 * <ul>
 *   <li>an enrollment is created only in a free published course; a paid course is never enrolled in
 *       by import (skipped {@code paid_course}: payment goes through checkout), a refunded enrollment is
 *       not restored ({@code refunded});
 *   <li>progress only for courses the caller is enrolled in ({@code not_enrolled}), lessons of that course;
 *   <li>messages only in courses whose chat the caller may post to ({@code not_a_participant});
 *   <li>notes only in courses the caller takes or teaches ({@code not_enrolled}).
 * </ul>
 * A course or lesson that the caller cannot see or that does not exist is a problem in the document
 * (400, nothing written), like a malformed field. Idempotent: enrollments and progress by course and
 * lesson, messages and notes by their local id; an item already imported is "unchanged", or "skipped"
 * ({@code changed}) when its content differs (the account's copy is kept).
 */
final class LearningImport {
    static final String APP = "learning";

    // Second branch: a student keeps their course after it is unpublished, though its row is hidden from them.
    private static final String COURSE = """
            select c.id, c.price_cents = 0 as free, c.is_published, 1 as preference from public.courses c
            where c.id = private.try_uuid(?) or c.slug = ?
            union all
            select e.course_id, false, false, 2 from public.enrollments e
            where e.student_id = (select auth.uid()) and e.course_id = private.try_uuid(?)
            order by preference limit 1""";
    private static final String ENROLLMENT_STATUS = "select e.status from public.enrollments e where e.student_id = (select auth.uid()) and e.course_id = ?";
    private static final String ENROLL = """
            insert into public.enrollments (student_id, course_id) values ((select auth.uid()), ?)
            on conflict (student_id, course_id) do nothing returning id""";
    private static final String ENROLLED = "select private.is_enrolled(?)";
    private static final String PARTICIPANT = "select private.is_course_participant(?)";
    private static final String TAKES_OR_TEACHES = "select ?::uuid in (select private.my_course_ids())";
    private static final String LESSONS = "select l.id, l.position from public.lessons l where l.course_id = ?";
    private static final String COMPLETE = """
            insert into public.lesson_progress (student_id, lesson_id) values ((select auth.uid()), ?)
            on conflict (student_id, lesson_id) do nothing returning lesson_id""";
    private static final String POST = """
            insert into public.messages (course_id, author_id, body, local_id) values (?, (select auth.uid()), ?, ?)
            on conflict (author_id, local_id) do nothing returning id""";
    private static final String SAME_MESSAGE = """
            select 1 from public.messages m where m.author_id = (select auth.uid()) and m.local_id = ? and m.course_id = ? and m.body = ?""";
    private static final String NOTE = """
            insert into public.lesson_notes (user_id, course_id, lesson_id, local_id, body) values ((select auth.uid()), ?, ?, ?, ?)
            on conflict (user_id, local_id) do nothing returning id""";
    private static final String SAME_NOTE = """
            select 1 from public.lesson_notes n where n.user_id = (select auth.uid()) and n.local_id = ? and n.course_id = ?
              and n.lesson_id is not distinct from ? and n.body = ?""";

    private final DataSource db;

    LearningImport(DataSource db) {
        this.db = db;
    }

    Result run(UUID userId, JsonNode doc) {
        Problems problems = new Problems();
        LearningExport export = LearningExport.parse(doc, userId, problems);
        if (!problems.isEmpty()) {
            throw problems.refusal();
        }
        try {
            return UserTransaction.run(db, userId, c -> {
                Result result = new Writes(c, problems).all(export);
                if (!problems.isEmpty()) {
                    throw problems.refusal(); // rolls back what was written before the problem was found
                }
                return result;
            });
        } catch (SQLException e) {
            throw LocalStorageImport.notWritten(e);
        }
    }

    private record Course(UUID id, boolean free, boolean published) {}

    /** One import's writes on one connection, as the caller; courses and lessons looked up once each. */
    private static final class Writes {
        private final Connection c;
        private final Problems problems;
        private final Map<String, Optional<Course>> courses = new HashMap<>();
        private final Map<UUID, Map<Object, UUID>> lessons = new HashMap<>();
        private final List<Skipped> skipped = new ArrayList<>();

        Writes(Connection c, Problems problems) {
            this.c = c;
            this.problems = problems;
        }

        Result all(LearningExport export) throws SQLException {
            Map<String, Counts> tables = new LinkedHashMap<>();
            tables.put("enrollments", each(export.enrollments(), this::enroll));
            tables.put("lesson_progress", each(export.progress(), this::progress));
            tables.put("messages", each(export.messages(), this::message));
            tables.put("lesson_notes", each(export.notes(), this::note));
            return new Result(tables, skipped);
        }

        private interface Write<T> {
            Counts apply(T item) throws SQLException;
        }

        /** Writes a section's items in document order (enrollments first: later sections may depend on them). */
        private static <T> Counts each(List<T> items, Write<T> write) throws SQLException {
            Counts counts = new Counts(0, 0, 0);
            for (T item : items) {
                counts = counts.plus(write.apply(item));
            }
            return counts;
        }

        private Counts enroll(LearningExport.Enrollment e) throws SQLException {
            Course course = course(e.course());
            if (course == null) {
                return none();
            }
            String status = text(ENROLLMENT_STATUS, course.id());
            if (status != null) {
                return status.equals("refunded")
                        ? skip(e.path(), "refunded", "this enrollment was refunded; enrolling again goes through checkout")
                        : new Counts(0, 1, 0);
            }
            if (!course.free()) {
                return skip(e.path(), "paid_course", "a paid course is enrolled in by paying for it (POST /v1/billing/checkout), never by import");
            }
            if (!course.published()) {
                return skip(e.path(), "course_not_open", "the course is not published, so it takes no enrollments");
            }
            return inserted(ENROLL, course.id()) ? new Counts(1, 0, 0) : new Counts(0, 1, 0);
        }

        private Counts progress(LearningExport.Progress p) throws SQLException {
            Course course = course(p.course());
            if (course == null) {
                return none();
            }
            Counts counts = new Counts(0, 0, 0);
            boolean enrolled = test(ENROLLED, course.id());
            for (LessonRef ref : p.lessons()) {
                if (!enrolled) {
                    counts = counts.plus(skip(ref.path(), "not_enrolled", "progress is kept only for courses you are enrolled in"));
                    continue;
                }
                UUID lesson = lesson(course, ref);
                if (lesson != null) {
                    counts = counts.plus(inserted(COMPLETE, lesson) ? new Counts(1, 0, 0) : new Counts(0, 1, 0));
                }
            }
            return counts;
        }

        private Counts message(LearningExport.Message m) throws SQLException {
            Course course = course(m.course());
            if (course == null) {
                return none();
            }
            if (!test(PARTICIPANT, course.id())) {
                return skip(m.path(), "not_a_participant", "only the course's participants post to its chat");
            }
            if (inserted(POST, course.id(), m.body(), m.localId())) {
                return new Counts(1, 0, 0);
            }
            return test(SAME_MESSAGE, m.localId(), course.id(), m.body()) ? new Counts(0, 1, 0) : skip(Skipped.changed(m.path()));
        }

        private Counts note(LearningExport.Note n) throws SQLException {
            Course course = course(n.course());
            if (course == null) {
                return none();
            }
            if (!test(TAKES_OR_TEACHES, course.id())) {
                return skip(n.path(), "not_enrolled", "notes are kept only for courses you take or teach");
            }
            UUID lesson = n.lesson() == null ? null : lesson(course, n.lesson());
            if (n.lesson() != null && lesson == null) {
                return none();
            }
            if (inserted(NOTE, course.id(), lesson, n.localId(), n.body())) {
                return new Counts(1, 0, 0);
            }
            return test(SAME_NOTE, n.localId(), course.id(), lesson, n.body()) ? new Counts(0, 1, 0) : skip(Skipped.changed(n.path()));
        }

        /** The course the caller can see by that id or slug, or null after noting the problem. */
        private Course course(CourseRef ref) throws SQLException {
            Optional<Course> found = courses.get(ref.value());
            if (found == null) {
                found = Optional.empty();
                try (PreparedStatement ps = statement(COURSE, ref.value(), ref.value(), ref.value()); ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        found = Optional.of(new Course((UUID) rs.getObject(1), rs.getBoolean(2), rs.getBoolean(3)));
                    }
                }
                courses.put(ref.value(), found);
            }
            if (found.isEmpty()) {
                problems.add(ref.path(), "no course you can see has the id or slug '" + ref.value() + "'");
            }
            return found.orElse(null);
        }

        /** The id of that lesson of the course, or null after noting the problem. */
        private UUID lesson(Course course, LessonRef ref) throws SQLException {
            Map<Object, UUID> byKey = lessons.get(course.id());
            if (byKey == null) {
                byKey = new HashMap<>();
                try (PreparedStatement ps = statement(LESSONS, course.id()); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = (UUID) rs.getObject(1);
                        byKey.put(id, id);
                        byKey.put(rs.getInt(2), id);
                    }
                }
                lessons.put(course.id(), byKey);
            }
            UUID id = byKey.get(ref.id() != null ? ref.id() : Integer.valueOf(ref.position()));
            if (id == null) {
                problems.add(ref.path(), "no lesson " + (ref.id() != null ? ref.id() : "at position " + ref.position()) + " in this course");
            }
            return id;
        }

        private Counts skip(String path, String reason, String message) {
            return skip(new Skipped(path, reason, message));
        }

        private Counts skip(Skipped why) {
            skipped.add(why);
            return new Counts(0, 0, 1);
        }

        /** An item that resolved to nothing (its problem is noted): it counts nowhere, the import is refused. */
        private static Counts none() {
            return new Counts(0, 0, 0);
        }

        private boolean inserted(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = statement(sql, params); ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }

        private boolean test(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = statement(sql, params); ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }

        private String text(String sql, Object... params) throws SQLException {
            try (PreparedStatement ps = statement(sql, params); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }

        private PreparedStatement statement(String sql, Object... params) throws SQLException {
            PreparedStatement ps = c.prepareStatement(sql);
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps;
        }
    }
}
