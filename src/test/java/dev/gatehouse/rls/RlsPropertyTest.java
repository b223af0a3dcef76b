package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.Seeds;
import dev.gatehouse.support.TestDatabase;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property: for a random world of users, courses, enrollments, coursework and chat, what any persona
 * SELECTs from a table is exactly what the access rules say, computed independently here in Java from
 * the generated data. The world also changes between checks (courses published and unpublished,
 * enrollments completed or refunded). Seeded and logged: replay with {@code -Dgatehouse.test.seed=N}.
 */
class RlsPropertyTest {
    private static final int CHECKS = 160;
    private static final long BUDGET_MILLIS = 5_000;
    private static final List<String> TABLES = List.of("courses", "lessons", "homework", "enrollments", "submissions", "messages", "reviews");

    private static TestDatabase db;
    private static Postgrest api;
    private static Fixtures given;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        given = new Fixtures(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    record User(Persona persona, String role) {}

    static final class Course {
        final UUID id;
        final UUID instructor;
        boolean published;

        Course(UUID id, UUID instructor, boolean published) {
            this.id = id;
            this.instructor = instructor;
            this.published = published;
        }
    }

    static final class Enrollment {
        final UUID id;
        final UUID student;
        final Course course;
        String status;

        Enrollment(UUID id, UUID student, Course course, String status) {
            this.id = id;
            this.student = student;
            this.course = course;
            this.status = status;
        }
    }

    /** A course-scoped row: its id, its course, the user it belongs to (if any), and whether it is a preview lesson. */
    record Row(String table, UUID id, Course course, UUID owner, boolean preview) {}

    @Test
    void whatEachPersonaSelectsIsWhatTheRulesAllow() throws Exception {
        Random random = Seeds.random("RlsPropertyTest.whatEachPersonaSelectsIsWhatTheRulesAllow");
        World world = World.generate(random);
        long deadline = System.currentTimeMillis() + BUDGET_MILLIS;

        int checks = 0;
        for (; checks < CHECKS && System.currentTimeMillis() < deadline; checks++) {
            if (checks % 10 == 9) {
                world.mutate(random);
            }
            User who = random.nextInt(world.users.size() + 1) == 0 ? null : world.users.get(random.nextInt(world.users.size()));
            String table = TABLES.get(random.nextInt(TABLES.size()));
            Set<UUID> expected = world.visible(who, table);
            Persona persona = who == null ? Persona.anon() : who.persona();

            Set<UUID> actual = world.select(persona, table);

            assertThat(actual).as("check %d: %s (%s) selecting %s", checks, persona, who == null ? "anon" : who.role(), table)
                    .isEqualTo(expected);
        }
        assertThat(checks).as("checks run within the time budget").isGreaterThanOrEqualTo(50);
    }

    static final class World {
        final List<User> users = new ArrayList<>();
        final List<Course> courses = new ArrayList<>();
        final List<Enrollment> enrollments = new ArrayList<>();
        final List<Row> rows = new ArrayList<>();

        static World generate(Random r) throws SQLException {
            World w = new World();
            List<User> instructors = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                instructors.add(w.add(new User(given.user("prop-instructor", "instructor"), "instructor")));
            }
            List<User> students = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                students.add(w.add(new User(given.user("prop-student", "student"), "student")));
            }
            User admin = w.add(new User(given.user("prop-admin", "admin"), "admin"));
            for (int i = 0; i < 12; i++) {
                UUID teacher = instructors.get(r.nextInt(instructors.size())).persona().userId();
                boolean published = r.nextInt(3) > 0;
                Course c = new Course(given.course().taughtBy(teacher).published(published)
                        .priceCents(r.nextBoolean() ? 0 : 500 * (1 + r.nextInt(8))).create(), teacher, published);
                w.courses.add(c);
                for (int l = 1 + r.nextInt(3); l > 0; l--) {
                    boolean preview = r.nextInt(3) == 0;
                    w.rows.add(new Row("lessons", given.lesson(c.id, preview), c, null, preview));
                }
                UUID homework = given.homework(c.id);
                w.rows.add(new Row("homework", homework, c, null, false));
                List<UUID> posters = new ArrayList<>(List.of(teacher, admin.persona().userId()));
                for (User s : students) {
                    if (r.nextInt(4) != 0) {
                        continue;
                    }
                    String status = List.of("active", "active", "completed", "refunded").get(r.nextInt(4));
                    Enrollment e = new Enrollment(given.enrollment(s.persona().userId(), c.id, status), s.persona().userId(), c, status);
                    w.enrollments.add(e);
                    posters.add(e.student);
                    if (r.nextInt(5) < 3) {
                        w.rows.add(new Row("submissions", given.submission(homework, e.student), c, e.student, false));
                    }
                    if (r.nextInt(5) < 2) {
                        w.rows.add(new Row("reviews", given.review(c.id, e.student, 1 + r.nextInt(5)), c, e.student, false));
                    }
                }
                for (int m = r.nextInt(4); m > 0; m--) {
                    UUID author = posters.get(r.nextInt(posters.size()));
                    w.rows.add(new Row("messages", given.message(c.id, author), c, author, false));
                }
            }
            return w;
        }

        private User add(User u) {
            users.add(u);
            return u;
        }

        /** Publishes or unpublishes a course, or moves an enrollment to another status, as the service would. */
        void mutate(Random r) throws SQLException {
            if (r.nextBoolean() || enrollments.isEmpty()) {
                Course c = courses.get(r.nextInt(courses.size()));
                c.published = !c.published;
                given.exec("update public.courses set is_published = ? where id = ?", c.published, c.id);
            } else {
                Enrollment e = enrollments.get(r.nextInt(enrollments.size()));
                e.status = List.of("active", "completed", "refunded").get(r.nextInt(3));
                given.exec("update public.enrollments set status = ?, completed_at = case when ? = 'completed' then now() end where id = ?",
                        e.status, e.status, e.id);
            }
        }

        /** The rules of supabase/README.md, written independently of the policies. Null = the table is closed (42501). */
        Set<UUID> visible(User who, String table) {
            UUID me = who == null ? null : who.persona().userId();
            boolean admin = who != null && who.role().equals("admin");
            Predicate<Course> teaches = c -> c.instructor.equals(me);
            Predicate<Course> enrolled = c -> enrollments.stream().anyMatch(e -> e.course == c && e.student.equals(me)
                    && !e.status.equals("refunded"));
            Predicate<Course> participant = c -> admin || teaches.test(c) || enrolled.test(c);
            if (who == null && !Set.of("courses", "reviews").contains(table)) {
                return null;
            }
            return switch (table) {
                case "courses" -> courses.stream().filter(c -> c.published || admin || teaches.test(c)).map(c -> c.id).collect(Collectors.toSet());
                case "enrollments" -> enrollments.stream().filter(e -> admin || e.student.equals(me) || teaches.test(e.course))
                        .map(e -> e.id).collect(Collectors.toSet());
                default -> rows.stream().filter(row -> row.table().equals(table)).filter(row -> switch (table) {
                    case "lessons" -> participant.test(row.course()) || row.preview() && row.course().published;
                    case "homework", "messages" -> participant.test(row.course());
                    case "submissions" -> admin || row.owner().equals(me) || teaches.test(row.course());
                    case "reviews" -> row.course().published || admin || row.owner().equals(me);
                    default -> throw new IllegalArgumentException(table);
                }).map(Row::id).collect(Collectors.toSet());
            };
        }

        /** The ids of this world's rows that {@code who} gets from the table through the Data API; null on 42501. */
        Set<UUID> select(Persona who, String table) throws SQLException {
            UUID[] courseIds = courses.stream().map(c -> c.id).toArray(UUID[]::new);
            String sql = "select id from public." + table + " where " + (table.equals("courses") ? "id" : "course_id") + " = any(?)";
            try {
                return api.as(who, c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setArray(1, c.createArrayOf("uuid", courseIds));
                        Set<UUID> out = new HashSet<>();
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(rs.getObject(1, UUID.class));
                            }
                        }
                        return out;
                    }
                });
            } catch (SQLException e) {
                if ("42501".equals(e.getSQLState())) {
                    return null;
                }
                throw e;
            }
        }
    }
}
