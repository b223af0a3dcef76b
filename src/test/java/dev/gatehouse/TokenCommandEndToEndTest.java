package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.gatehouse.db.DatabaseUrl;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code gatehouse token --email E} end to end, in production mode against the test database: it prints
 * one HS256 token for an existing user, and refuses (non-zero, nothing printed) otherwise.
 */
class TokenCommandEndToEndTest {
    private static final String SECRET = "cli-token-secret-0123456789abcdefghijklm";

    private static TestDatabase db;
    private static Map<String, String> env;


    @BeforeAll
    static void setUp() {
        db = TestDatabase.migrated();
        env = Map.of("DATABASE_URL", DatabaseUrl.forPsql("127.0.0.1", TestDatabase.server().port(), "postgres", db.name()),
                "SUPABASE_JWT_SECRET", SECRET);
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void printsOneVerifiableTokenForAnExistingUser() throws Exception {
        CliRun run = run("token", "--email", "student@example.com");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).hasSize(1);
        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(SECRET)).withAudience("authenticated").build().verify(run.out().strip());
        assertThat(jwt.getSubject()).isEqualTo("a0000000-0000-4000-8000-000000000001");
        assertThat(jwt.getClaim("email").asString()).isEqualTo("student@example.com");
        assertThat(jwt.getClaim("role").asString()).isEqualTo("authenticated");
        assertThat(jwt.getExpiresAtAsInstant()).isEqualTo(jwt.getIssuedAtAsInstant().plusSeconds(3600));
    }

    @Test
    void anUnknownEmailFailsWithoutSigningAnyoneUp() throws Exception {
        CliRun run = run("token", "--email", "nobody@example.com");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("no user with email nobody@example.com");
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select count(*) from auth.users where email = 'nobody@example.com'")).isEqualTo(0L);
        }
    }

    @Test
    void aMissingEmailIsAUsageError() {
        CliRun run = run("token");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("--email");
    }

    private static CliRun run(String... argv) {
        return CliRun.of(env, argv);
    }
}
