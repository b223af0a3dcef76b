package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit trigger names the writer as private.request_user_id() and private.request_role() do
 * (it computes the same expressions inline, migration 20261204100000), for every kind of writer:
 * a Data API user, the service with or without claims, and claims whose sub is no uuid.
 */
class AuditTriggerTest {
    private static TestDatabase db;
    private static Fixtures given;
    private static Postgrest api;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        given = new Fixtures(db.dataSource());
        api = new Postgrest(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    /** Enrolls {@code student} on {@code c} and answers the enrollment's audit row (read back as the owner, in the same transaction). */
    private static Map<String, Object> audited(Connection c, UUID student, UUID course) throws SQLException {
        UUID enrollment = (UUID) Postgrest.scalar(c, "insert into public.enrollments (student_id, course_id) values (?, ?) returning id", student, course);
        // the audit log is private: read it back as the owner, still inside the writer's transaction
        Postgrest.scalar(c, "select set_config('role', 'none', true)");
        return Postgrest.rows(c, """
                select a.actor_id, a.actor_role, a.kind, a.new_data ->> 'id' = ? as row_in_new_data, a.old_data is null as no_old_data
                from private.audit_log a where a.table_name = 'public.enrollments' and a.record_id = ?""",
                enrollment.toString(), enrollment.toString()).getFirst();
    }

    @Test
    void aDataApiUsersInsertIsAuditedWithTheirIdAndRole() throws Exception {
        Persona student = given.user("audited-student", "student");
        UUID free = given.course().create();

        Map<String, Object> audited = api.as(student, c -> audited(c, student.userId(), free));

        assertThat(audited).containsEntry("actor_id", student.userId()).containsEntry("actor_role", "authenticated")
                .containsEntry("kind", "row.insert").containsEntry("row_in_new_data", true).containsEntry("no_old_data", true);
    }

    @Test
    void theServicesWritesAreAuditedWithTheClaimsSubOnlyWhenItIsAUuid() throws Exception {
        Persona student = given.user("audited-by-service", "student");
        UUID someone = UUID.randomUUID();
        record Claims(String legacySub, String claimsJson, UUID expectedActor) {}
        List<Claims> cases = List.of(
                new Claims("", "", null),
                new Claims("", "{\"sub\":\"" + someone + "\"}", someone),
                new Claims("", "{\"sub\":\"not-a-uuid\"}", null),
                new Claims("", "{\"sub\":\"" + someone.toString().toUpperCase(java.util.Locale.ROOT) + "\"}", someone),
                new Claims(someone.toString(), "{\"sub\":\"not-a-uuid\"}", someone),
                new Claims("not-a-uuid", "{\"sub\":\"" + UUID.randomUUID() + "\"}", null));

        for (Claims claims : cases) {
            UUID course = given.course().create();
            try (Connection c = db.connect()) {
                c.setAutoCommit(false);
                try {
                    Postgrest.scalar(c, "select set_config('request.jwt.claim.sub', ?, true)", claims.legacySub());
                    Postgrest.scalar(c, "select set_config('request.jwt.claims', ?, true)", claims.claimsJson());
                    UUID helperUser = (UUID) Postgrest.scalar(c, "select private.request_user_id()");
                    String helperRole = (String) Postgrest.scalar(c, "select private.request_role()");

                    Map<String, Object> audited = audited(c, student.userId(), course);

                    assertThat(audited.get("actor_id")).as(claims.toString()).isEqualTo(claims.expectedActor()).isEqualTo(helperUser);
                    assertThat(audited.get("actor_role")).as(claims.toString()).isEqualTo(helperRole).isEqualTo("postgres");
                } finally {
                    c.rollback();
                    c.setAutoCommit(true);
                }
            }
        }
    }
}
