package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A caller's invariants: every credential kind names a user; only API keys carry a key id and limited scopes. */
class CallerTest {
    final UUID userId = UUID.randomUUID();
    final UUID keyId = UUID.randomUUID();

    @Test
    void sessionAccessTokenHoldsEveryScope() {
        VerifiedToken token = new VerifiedToken(userId, "ada@example.com", Instant.EPOCH, null, false, Map.of());

        Caller caller = Caller.ofAccessToken(token);

        assertThat(caller).isEqualTo(new Caller(userId, "ada@example.com", Caller.Via.ACCESS_TOKEN, Set.of(Caller.ALL_SCOPES), null));
        assertThat(caller.hasScope("ai:chat")).isTrue();
    }

    @Test
    void apiKeyHoldsOnlyItsOwnScopes() {
        Caller caller = Caller.ofApiKey(userId, null, Set.of("ai:chat"), keyId);

        assertThat(caller.hasScope("ai:chat")).isTrue();
        assertThat(caller.hasScope("billing:checkout")).isFalse();
    }

    @Test
    void apiKeyCallerWithoutItsKeyIdIsRejected() {
        assertThatThrownBy(() -> new Caller(userId, null, Caller.Via.API_KEY, Set.of(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void accessTokenCallerWithAKeyIdIsRejected() {
        assertThatThrownBy(() -> new Caller(userId, null, Caller.Via.ACCESS_TOKEN, Set.of(), keyId))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scopesCannotChangeAfterwards() {
        Set<String> scopes = new HashSet<>(Set.of("ai:chat"));
        Caller caller = Caller.ofApiKey(userId, null, scopes, keyId);

        scopes.add(Caller.ALL_SCOPES);

        assertThat(caller.hasScope("billing:checkout")).isFalse();
        assertThatThrownBy(() -> caller.scopes().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }
}
