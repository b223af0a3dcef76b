package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sales-call workspace rules the policy matrix cannot express: rows point only at their owner's rows. */
class SalesWorkspaceTest {
    private static TestDatabase db;
    private static Postgrest api;
    private static Map<String, UUID> students;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.migrated();
        api = new Postgrest(db.dataSource());
        students = new Fixtures(db.dataSource()).salesWorkspace(Seed.STUDENT);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void anAnalysisCannotBeFiledUnderAnotherUsersClientEvenByItsId() throws Exception {
        String state = sqlState(Seed.student2(), "insert into public.call_analyses (user_id, client_ref, analysis) values (?, ?, '{}')",
                Seed.STUDENT2, students.get("client"));

        assertThat(state).isEqualTo("23503");
    }

    @Test
    void aSignUpCannotBeAddedToAnotherUsersCampaign() throws Exception {
        String state = sqlState(Seed.student2(), "insert into public.signups (user_id, campaign_id, email) values (?, ?, 'x@example.com')",
                Seed.STUDENT2, students.get("campaign"));

        assertThat(state).isEqualTo("23503");
    }

    @Test
    void theOwnerFilesAnAnalysisUnderTheirOwnClient() throws Exception {
        String state = sqlState(Seed.student(), "insert into public.call_analyses (user_id, client_ref, analysis) values (?, ?, '{}')",
                Seed.STUDENT, students.get("client"));

        assertThat(state).isEqualTo("ok");
    }

    @Test
    void aStoragePathOutsideTheOwnersFolderIsRefused() throws Exception {
        String state = sqlState(Seed.student(), "insert into public.training_materials (user_id, title, kind, storage_path) values (?, 'Deck', 'pdf', ?)",
                Seed.STUDENT, Seed.STUDENT2 + "/deck.pdf");

        assertThat(state).isEqualTo("23514");
    }

    private static String sqlState(Persona who, String sql, Object... params) throws SQLException {
        return api.as(who, c -> {
            try {
                Postgrest.update(c, sql, params);
                return "ok";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        });
    }
}
