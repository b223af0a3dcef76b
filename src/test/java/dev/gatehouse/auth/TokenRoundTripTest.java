package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A token minted for a seed user, with its payload handed to Postgres the way PostgREST hands a verified
 * token over ({@code role} switched, claims in {@code request.jwt.claims}), is the same user to
 * {@code auth.uid()}, {@code auth.jwt()}, {@code auth.role()} and to RLS.
 */
class TokenRoundTripTest {
    private static final String SECRET = "round-trip-secret-0123456789abcdefghijkl";
    private static final String ISSUER = "http://127.0.0.1:54321/auth/v1";
    private static final Instant NOW = Instant.parse("2026-11-23T10:15:30.750Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestDatabase db;
    private static AuthUser student;
    private static JsonNode claims;

    @BeforeAll
    static void mintForTheSeedStudent() throws Exception {
        db = TestDatabase.migrated();
        try (Connection c = db.connect()) {
            student = AuthUsers.byEmail(c, "student@example.com").orElseThrow();
        }
        String token = new AccessTokenMinter(SECRET, ISSUER).mint(student, Duration.ofHours(1), NOW);
        claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void theTokenCarriesEveryClaimSupabaseAuthIssues() {
        assertThat(claims.fieldNames()).toIterable().contains("sub", "email", "role", "aud", "exp", "iat", "iss", "session_id", "aal",
                "amr", "app_metadata", "user_metadata", "is_anonymous", "phone");
        assertThat(claims.get("sub").asText()).isEqualTo(student.id().toString());
        assertThat(claims.get("email").asText()).isEqualTo("student@example.com");
        assertThat(claims.get("role").asText()).isEqualTo("authenticated");
        assertThat(claims.get("aud").isTextual()).as("aud is one string, as GoTrue serialises it").isTrue();
        assertThat(claims.get("aud").asText()).isEqualTo("authenticated");
        assertThat(claims.get("iss").asText()).isEqualTo(ISSUER);
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 3600);
        assertThat(UUID.fromString(claims.get("session_id").asText())).isNotNull();
        assertThat(claims.get("aal").asText()).isEqualTo("aal1");
        assertThat(claims.get("amr").isArray()).isTrue();
        assertThat(claims.get("amr").get(0).get("method").asText()).isEqualTo("password");
        assertThat(claims.get("app_metadata").get("provider").asText()).isEqualTo("email");
        assertThat(claims.get("user_metadata").get("display_name").asText()).isEqualTo("Sam Student");
        assertThat(claims.get("is_anonymous").isBoolean()).isTrue();
        assertThat(claims.get("is_anonymous").asBoolean()).isFalse();
    }

    @Test
    void postgresSeesTheTokensUserThroughTheAuthFunctionsAndRls() throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("""
                        select set_config('search_path', 'public, extensions', true), set_config('role', ?, true),
                               set_config('request.jwt.claims', ?, true)""")) {
                    ps.setString(1, claims.get("role").asText()); // PostgREST switches to the token's role claim
                    ps.setString(2, claims.toString());
                    ps.execute();
                }

                Map<String, Object> seen = Postgrest.rows(c,
                        "select auth.uid() as uid, auth.jwt() ->> 'email' as email, auth.role() as role, current_user as db_role").getFirst();
                List<Map<String, Object>> enrollments = Postgrest.rows(c, "select student_id from public.enrollments");

                assertThat(seen).isEqualTo(Map.of("uid", student.id(), "email", "student@example.com", "role", "authenticated",
                        "db_role", "authenticated"));
                assertThat(enrollments).isNotEmpty().allSatisfy(r -> assertThat(r.get("student_id")).isEqualTo(student.id()));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }
}
