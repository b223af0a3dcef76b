package dev.gatehouse.rls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.support.Persona;
import dev.gatehouse.support.Postgrest;
import dev.gatehouse.support.TestDatabase;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Personal API keys: created only through {@code create_api_key} (the plaintext returned once, only its
 * SHA-256 stored), never readable as a hash, visible and revocable only by their owner, revoked once.
 */
class ApiKeyInvariantsTest {
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

    @Test
    void userCreatesAKeyShownOnceAndOnlyItsSha256IsStored() throws Exception {
        Persona user = given.user("keyholder", "student");

        Map<String, Object> created = api.asAndCommit(user, c -> Postgrest.rows(c, "select * from public.create_api_key('laptop')").getFirst());

        String key = (String) created.get("api_key");
        assertThat(key).hasSize(46).matches("gh_[A-Za-z0-9_-]{43}");
        assertThat(created.get("prefix")).isEqualTo(key.substring(0, 11));
        try (Connection c = db.connect()) {
            Map<String, Object> stored = Postgrest.rows(c, """
                    select user_id, encode(sha256(convert_to(?, 'UTF8')), 'hex') = key_hash as hash_matches,
                           position(? in to_jsonb(k)::text) = 0 as plaintext_absent
                    from public.api_keys k where id = ?""", key, key, created.get("id")).getFirst();
            assertThat(stored).containsEntry("user_id", user.userId()).containsEntry("hash_matches", true).containsEntry("plaintext_absent", true);
            assertThat(Postgrest.scalar(c, """
                    select bool_and(new_data -> 'key_hash' is null) from private.audit_log
                    where table_name = 'public.api_keys' and record_id = ?""", created.get("id").toString()))
                    .as("the audit trail leaves the hash out").isEqualTo(true);
        }
    }

    @Test
    void userCannotReadAnyKeyHashNotEvenTheirOwn() throws Exception {
        Persona user = given.user("curious", "student");
        UUID key = given.apiKey(user.userId());

        assertThat(Outcome.attempt(api, user, "select key_hash from public.api_keys where id = ?", key)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, user, "select * from public.api_keys where id = ?", key)).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, user, "select id, name, prefix, scopes, expires_at, revoked_at from public.api_keys where id = ?", key))
                .isEqualTo(Outcome.ALLOW);
    }

    @Test
    void userCannotReadOrRevokeAnotherUsersKeys() throws Exception {
        Persona owner = given.user("owner", "student");
        UUID key = given.apiKey(owner.userId());

        for (Persona other : List.of(given.user("neighbour", "student"), Seed.admin())) {
            assertThat(Outcome.attempt(api, other, "select id from public.api_keys where id = ?", key)).as(other.label()).isEqualTo(Outcome.NONE);
            assertThat(Outcome.attempt(api, other, "update public.api_keys set revoked_at = now() where id = ?", key))
                    .as(other.label()).isEqualTo(Outcome.NONE);
        }
    }

    @Test
    void userRevokesOwnKeyOnceStampedNowAndCannotUndoIt() throws Exception {
        Persona user = given.user("revoker", "student");
        UUID key = given.apiKey(user.userId());

        Outcome revoked = api.asAndCommit(user, c -> Outcome.observe(c,
                "update public.api_keys set revoked_at = '2000-01-01' where id = ? returning id", key));

        assertThat(revoked).isEqualTo(Outcome.ALLOW);
        try (Connection c = db.connect()) {
            assertThat(Postgrest.scalar(c, "select revoked_at > now() - interval '1 minute' from public.api_keys where id = ?", key))
                    .as("revoked_at is stamped with the time of revocation, not the client's value").isEqualTo(true);
        }
        assertThat(Outcome.attempt(api, user, "update public.api_keys set revoked_at = null where id = ?", key)).isEqualTo(Outcome.NONE);
        assertThat(Outcome.attempt(api, user, "update public.api_keys set revoked_at = now() where id = ?", key)).isEqualTo(Outcome.NONE);
    }

    @Test
    void userCannotWidenScopesOrExtendExpiry() throws Exception {
        Persona user = given.user("widener", "student");
        UUID key = given.apiKey(user.userId());

        assertThat(Outcome.attempt(api, user, "update public.api_keys set scopes = '{chat,tasks,models,usage}' where id = ?", key))
                .isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, user, "update public.api_keys set expires_at = null where id = ?", key)).isEqualTo(Outcome.DENY);
    }

    @Test
    void onlyASignedInUserCreatesKeysAndOnlyForThemselves() throws Exception {
        Persona noSubject = new Persona("authenticated-without-sub", "authenticated", null, null);

        assertThat(Outcome.attempt(api, Persona.anon(), "select * from public.create_api_key('anon key')")).isEqualTo(Outcome.DENY);
        assertThat(Outcome.attempt(api, noSubject, "select * from public.create_api_key('ghost key')")).isEqualTo(Outcome.DENY);
        Persona user = given.user("self", "student");
        api.asAndCommit(user, c -> Postgrest.rows(c, "select * from public.create_api_key('mine', '{chat}', interval '1 day')"));
        try (Connection c = db.connect()) {
            assertThat(Postgrest.rows(c, "select user_id, scopes::text, expires_at > now() as expires from public.api_keys where name = 'mine'"))
                    .containsExactly(Map.of("user_id", user.userId(), "scopes", "{chat}", "expires", true));
        }
    }
}
