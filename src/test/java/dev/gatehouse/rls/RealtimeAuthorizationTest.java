package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 4 for private channels {@code course:<id>}: joins are checked the way Supabase
 * Realtime checks them (SUPABASE-FACTS §5): probe rows are inserted with privileged rights, then, as the
 * user with {@code realtime.topic} set transaction-locally, a probe that SELECTs back grants receive for
 * its extension and an INSERT that passes grants send / track presence. Always rolled back.
 */
class RealtimeAuthorizationTest {
    private static final List<String> EXTENSIONS = List.of("broadcast", "presence");
    private static final Access EVERYTHING = new Access(Set.copyOf(EXTENSIONS), Set.copyOf(EXTENSIONS));
    private static final Access NOTHING = new Access(Set.of(), Set.of());

    private static TestDatabase db;
    private static Cast cast;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated();
        cast = Cast.create(new Fixtures(db.dataSource()));
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** What a join granted: the extensions the user may receive on, and those they may send on. */
    record Access(Set<String> receive, Set<String> send) {}

    @Test
    void courseParticipantsJoinReceiveSendAndTrackPresence() throws Exception {
        for (String participant : List.of("student", "instructor", "admin")) {
            assertThat(join(cast.get(participant), "course:" + Seed.FREE_COURSE)).as(participant).isEqualTo(EVERYTHING);
        }
    }

    @Test
    void nonParticipantsCannotJoinReceiveOrSend() throws Exception {
        for (String outsider : List.of("anon", "student2", "instructor2")) {
            assertThat(join(cast.get(outsider), "course:" + Seed.FREE_COURSE)).as(outsider).isEqualTo(NOTHING);
        }
    }

    @Test
    void aStudentOfOneCourseCannotJoinAnothersChannel() throws Exception {
        assertThat(join(Seed.student(), "course:" + Seed.PAID_COURSE)).isEqualTo(NOTHING);
    }

    @Test
    void aRefundedStudentLosesTheChannel() throws Exception {
        Fixtures given = new Fixtures(db.dataSource());
        Persona refunded = given.user("refunded", "student");
        given.enrollment(refunded.userId(), Seed.FREE_COURSE, "refunded");

        assertThat(join(refunded, "course:" + Seed.FREE_COURSE)).isEqualTo(NOTHING);
    }

    @Test
    void malformedTopicsDenyEveryoneWithoutRaising() throws Exception {
        List<String> topics = List.of("course:not-a-uuid", "course:", "course", "", "lesson:" + Seed.FREE_COURSE,
                Seed.FREE_COURSE.toString(), "course:" + Seed.FREE_COURSE + "x", "course: " + Seed.FREE_COURSE,
                "course:" + Seed.FREE_COURSE + "/chat", "Course:" + Seed.FREE_COURSE, "course:' or true --");

        for (String persona : cast.byName().keySet()) {
            for (String topic : topics) {
                assertThat(join(cast.get(persona), topic)).as("%s joining '%s'", persona, topic).isEqualTo(NOTHING);
            }
        }
    }

    @Test
    void aChannelOfNoExistingCourseAdmitsNobodyButAdmins() throws Exception {
        // admins take part in every course (can_manage_course), so they pass for any course id
        String topic = "course:" + UUID.randomUUID();

        for (String persona : List.of("anon", "student", "student2", "instructor", "instructor2")) {
            assertThat(join(cast.get(persona), topic)).as(persona).isEqualTo(NOTHING);
        }
    }

    @Test
    void participantsGetOnlyBroadcastAndPresence() throws Exception {
        Access other = join(Seed.student(), "course:" + Seed.FREE_COURSE, List.of("postgres_changes", "whatever"));

        assertThat(other).isEqualTo(NOTHING);
    }

    @Test
    void courseChatAndNotificationsAreTheRealtimePublication() throws Exception {
        try (Connection c = db.connect()) {
            List<String> published = Postgrest.rows(c,
                    "select schemaname || '.' || tablename as t from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime'")
                    .stream().map(r -> (String) r.get("t")).toList();

            assertThat(published).containsExactlyInAnyOrder("public.messages", "public.notifications");
        }
    }

    private static Access join(Persona who, String topic) throws SQLException {
        return join(who, topic, EXTENSIONS);
    }

    /** Realtime's join check for {@code who} on {@code topic}, for each of {@code extensions}. */
    private static Access join(Persona who, String topic, List<String> extensions) throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                List<UUID> probes = new ArrayList<>();
                for (String extension : extensions) {
                    probes.add((UUID) Postgrest.scalar(c,
                            "insert into realtime.messages (topic, extension) values (?, ?) returning id", topic, extension));
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        select set_config('role', ?, true), set_config('realtime.topic', ?, true),
                               set_config('request.jwt.claims', ?, true),
                               set_config('request.jwt.claim.sub', coalesce(?, ''), true),
                               set_config('request.jwt.claim.role', ?, true)""")) {
                    ps.setString(1, who.role());
                    ps.setString(2, topic);
                    ps.setString(3, who.claimsJson());
                    ps.setString(4, who.userId() == null ? null : who.userId().toString());
                    ps.setString(5, who.role());
                    ps.execute();
                }
                Set<String> receive = new HashSet<>();
                try (PreparedStatement ps = c.prepareStatement("select extension from realtime.messages where id = any(?)")) {
                    ps.setArray(1, c.createArrayOf("uuid", probes.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            receive.add(rs.getString(1));
                        }
                    }
                }
                Set<String> send = new HashSet<>();
                for (String extension : extensions) {
                    Savepoint sp = c.setSavepoint();
                    try {
                        Postgrest.update(c, "insert into realtime.messages (topic, extension) values (?, ?)", topic, extension);
                        send.add(extension);
                    } catch (SQLException e) {
                        if (!"42501".equals(e.getSQLState())) {
                            throw e; // a join check must never fail with anything but "not allowed"
                        }
                    }
                    c.rollback(sp);
                }
                return new Access(Set.copyOf(receive), Set.copyOf(send));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }
}
