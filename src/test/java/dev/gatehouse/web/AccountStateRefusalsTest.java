package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.RunningService;
import dev.gatehouse.support.TestDatabase;
import dev.gatehouse.support.Users;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A genuine token is not enough: its user must still be a real, permitted account. Deleted, soft-deleted,
 * banned and anonymous users are refused on every endpoint, in OpenAI's shape, and spend nothing.
 */
class AccountStateRefusalsTest {
    private static final String CHAT = "{\"model\":\"dev-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String TASK = "{\"variables\":{\"question\":\"What is RLS?\"}}";

    private static TestDatabase db;
    private static RunningService service;

    @BeforeAll
    static void start() {
        db = TestDatabase.migrated();
        service = RunningService.start(db.dataSource(), Map.of());
    }

    @AfterAll
    static void stop() {
        service.close();
        db.close();
    }

    private static void sql(String statement, Object... params) throws Exception {
        try (Connection c = db.connect()) {
            Postgrest.update(c, statement, params);
        }
    }

    /** Reservations, period counters and usage rows of a user id: what any admission would have written. */
    private static long written(UUID userId) throws Exception {
        try (Connection c = db.connect()) {
            return ((Number) Postgrest.scalar(c, """
                    select (select count(*) from private.ai_reservations where user_id = ?)
                         + (select count(*) from private.ai_quota_periods where user_id = ?)
                         + (select count(*) from public.ai_usage where user_id = ?)""", userId, userId, userId)).longValue();
        }
    }

    /** Every endpoint the token can call, each asserted refused with the same status and code. */
    private static void everyEndpointRefuses(String token, int status, String code) throws Exception {
        List<HttpResponse<String>> answers = List.of(
                service.post("/v1/chat/completions", token, CHAT),
                service.post("/v1/tasks/mentor-answer", token, TASK),
                service.get("/v1/models", token),
                service.get("/v1/usage", token),
                service.get("/v1/tasks", token));
        for (HttpResponse<String> r : answers) {
            assertThat(r.statusCode()).as(r.uri() + " " + r.body()).isEqualTo(status);
            JsonNode error = EdgeRefusalsTest.openAiError(r.body());
            assertThat(error.get("code").asText()).as(r.uri().toString()).isEqualTo(code);
        }
    }

    /** Given a user with a valid token, when auth.users changes as {@code change} says, then every endpoint refuses. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            deleted            | delete from auth.users where id = ?                                    | 401 | user_not_found
            soft-deleted       | update auth.users set deleted_at = now() where id = ?                   | 401 | user_not_found
            banned after issue | update auth.users set banned_until = now() + interval '1 day' where id = ? | 403 | user_banned""")
    void aTokenWhoseAccountIsGoneOrBannedIsRefusedEverywhereAndSpendsNothing(String what, String change, int status, String code) throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), what.replace(' ', '-'));
        String token = service.tokenFor(u);
        sql(change, u.id());

        everyEndpointRefuses(token, status, code);

        assertThat(written(u.id())).isZero();
    }

    @Test
    void aUserDeletedWhileTheServiceStillRemembersThemIsRefusedAtAdmissionAndByUsage() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "justdeleted");
        String token = service.tokenFor(u);
        assertThat(service.get("/v1/tasks", token).statusCode()).isEqualTo(200); // the account is now remembered as active
        sql("delete from auth.users where id = ?", u.id());

        HttpResponse<String> chat = service.post("/v1/chat/completions", token, CHAT);
        HttpResponse<String> usage = service.get("/v1/usage", token);

        assertThat(chat.statusCode()).isEqualTo(401);
        assertThat(EdgeRefusalsTest.openAiError(chat.body()).get("code").asText()).isEqualTo("user_not_found");
        assertThat(usage.statusCode()).isEqualTo(401);
        assertThat(EdgeRefusalsTest.openAiError(usage.body()).get("code").asText()).isEqualTo("user_not_found");
        assertThat(written(u.id())).isZero();
    }

    @Test
    void aBanThatEndedNoLongerRefuses() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "unbanned");
        sql("update auth.users set banned_until = now() - interval '1 minute' where id = ?", u.id());

        assertThat(service.post("/v1/chat/completions", service.tokenFor(u), CHAT).statusCode()).isEqualTo(200);
    }

    @Test
    void anAnonymousSignInsTokenGets403AnonymousUser() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "anon");
        sql("update auth.users set is_anonymous = true, email = null where id = ?", u.id());
        String token = JWT.create()
                .withSubject(u.id().toString())
                .withAudience("authenticated")
                .withClaim("role", "authenticated")
                .withClaim("is_anonymous", true)
                .withClaim("email", "")
                .withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plus(1, ChronoUnit.HOURS))
                .sign(Algorithm.HMAC256(RunningService.SECRET));

        everyEndpointRefuses(token, 403, "anonymous_user");

        assertThat(written(u.id())).isZero();
    }

    @Test
    void aTokenThatHidesAnAnonymousAccountIsStillRefused() throws Exception {
        AuthUser u = Users.signUp(db.dataSource(), "anonrow");
        String token = service.tokenFor(u); // says is_anonymous: false
        sql("update auth.users set is_anonymous = true where id = ?", u.id());

        everyEndpointRefuses(token, 403, "anonymous_user");
    }
}
