package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Policies say what they mean even where Realtime and Storage are the only writers today: a realtime row must
 * belong to the channel the user joined, and an upload must name its uploader as owner.
 */
class DefenceInDepthPoliciesTest {
    private static TestDatabase db;
    private static Postgrest postgrest;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        postgrest = new Postgrest(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** As Realtime does: the user's role and claims, and the channel they joined in realtime.topic. */
    private static void joined(Connection c, String channel) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('realtime.topic', ?, true)")) {
            ps.setString(1, channel);
            ps.execute();
        }
    }

    private static String code(SQLException e) {
        return e.getSQLState();
    }

    @Test
    void aParticipantJoinedToTheirChannelCannotWriteToAnotherChannel() {
        String own = "course:" + Seed.FREE_COURSE;
        String other = "course:" + Seed.PAID_COURSE;

        assertThatThrownBy(() -> postgrest.as(Seed.student(), c -> {
            joined(c, own);
            return Postgrest.update(c, "insert into realtime.messages (topic, extension) values (?, 'broadcast')", other);
        })).isInstanceOfSatisfying(SQLException.class, e -> assertThat(code(e)).isEqualTo("42501"));
    }

    @Test
    void aParticipantWritesToTheChannelTheyJoined() throws Exception {
        String own = "course:" + Seed.FREE_COURSE;

        int written = postgrest.as(Seed.student(), c -> {
            joined(c, own);
            return Postgrest.update(c, "insert into realtime.messages (topic, extension) values (?, 'broadcast')", own);
        });

        assertThat(written).isEqualTo(1);
    }

    @Test
    void aParticipantDoesNotReceiveRowsOfAnotherChannel() throws Exception {
        String own = "course:" + Seed.FREE_COURSE;
        UUID foreign;
        try (Connection c = db.connect()) {
            foreign = (UUID) Postgrest.scalar(c, "insert into realtime.messages (topic, extension) values (?, 'broadcast') returning id",
                    "course:" + Seed.PAID_COURSE);
        }

        Object seen = postgrest.as(Seed.student(), c -> {
            joined(c, own);
            return Postgrest.scalar(c, "select count(*) from realtime.messages where id = ?", foreign);
        });

        assertThat(((Number) seen).longValue()).isZero();
    }

    @Test
    void anUploadNamingSomeoneElseOrNoOneAsOwnerIsRefused() {
        Persona student = Seed.student();
        String path = student.userId() + "/forged.png";

        for (String owner : new String[] {Seed.student2().userId().toString(), null}) {
            assertThatThrownBy(() -> postgrest.as(student, c -> Postgrest.update(c,
                    "insert into storage.objects (bucket_id, name, owner_id) values ('avatars', ?, ?)", path, owner)))
                    .as("owner_id %s", owner)
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(code(e)).isEqualTo("42501"));
        }
    }

    @Test
    void anUploadOwnedByTheUploaderInTheirFolderIsAllowed() throws Exception {
        Persona student = Seed.student();

        int written = postgrest.as(student, c -> Postgrest.update(c,
                "insert into storage.objects (bucket_id, name, owner_id) values ('avatars', ?, ?)",
                student.userId() + "/mine.png", student.userId().toString()));

        assertThat(written).isEqualTo(1);
    }
}
