package dev.gatehouse.auth;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.gatehouse.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Property: whatever a client does to a valid token, verification either refuses it with a 401 or still
 * names the same user; it never throws anything else, never needs the fail-closed net and never yields another
 * identity. Replay a failure with
 * {@code -Dgatehouse.test.seed=<seed printed in the failure>}.
 */
class AccessTokenMutationTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    static final int CASES = 3000;
    static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    final TestKey ec = TestKey.es256("ec-current");
    final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    final UUID userId = UUID.randomUUID();

    @Test
    void mutatedTokensAreRefusedOrStillNameTheSameUser() {
        long seed = seed();
        Random random = new Random(seed);
        new Jwks(server).publish(ec);
        AccessTokenVerifier verifier = AccessTokenVerifier.builder()
                .supabaseUrl(server.baseUrl())
                .hs256Secret(AccessTokens.LEGACY_SECRET)
                .issuer(AccessTokens.ISSUER)
                .minRefetchInterval(Duration.ofHours(1))
                .clock(clock)
                .build();
        verifier.loadSigningKeys();
        List<String> originals = List.of(
                AccessTokens.user(userId, clock.instant()).signedWith(ec),
                AccessTokens.user(userId, clock.instant()).signedWithSecret(AccessTokens.LEGACY_SECRET));
        int refused = 0;

        for (int i = 0; i < CASES; i++) {
            String mutant = mutate(originals.get(random.nextInt(originals.size())), random);
            try {
                VerifiedToken verified = verifier.verify(mutant);
                assertThat(verified.userId()).as("seed %d, case %d: %s", seed, i, mutant).isEqualTo(userId);
            } catch (Refusal e) {
                assertThat(e.status()).as("seed %d, case %d: %s", seed, i, mutant).isEqualTo(401);
                assertThat(e.getMessage()).as("seed %d, case %d: %s must be refused for a stated reason, not by the fail-closed net",
                        seed, i, mutant).isNotEqualTo(AccessTokenVerifier.UNFORESEEN);
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", case " + i + ": " + mutant + " escaped as " + e, e);
            }
        }

        assertThat(refused).as("seed %d: nearly every mutant must be refused", seed).isGreaterThan(CASES * 9 / 10);
        assertThat(server.countRequestsMatching(Jwks.fetch().build()).getCount()).as("seed %d", seed).isEqualTo(1);
    }

    private static String mutate(String token, Random random) {
        String[] parts = token.split("\\.", -1);
        return switch (random.nextInt(8)) {
            case 0 -> replaceChar(token, random);
            case 1 -> token.substring(0, random.nextInt(token.length()));
            case 2 -> parts[0] + "." + parts[1] + "." + randomBase64(random, random.nextInt(120));
            case 3 -> parts[random.nextInt(3)] + "." + parts[random.nextInt(3)] + "." + parts[random.nextInt(3)];
            case 4 -> encode(randomHeader(random)) + "." + parts[1] + "." + parts[2];
            case 5 -> parts[0] + "." + encode(randomPayload(random)) + "." + parts[2];
            case 6 -> token + (random.nextBoolean() ? "." : "=") + randomBase64(random, random.nextInt(8));
            default -> randomBase64(random, 1 + random.nextInt(60)) + "." + randomBase64(random, random.nextInt(200)) + "."
                    + randomBase64(random, random.nextInt(90));
        };
    }

    private static String replaceChar(String token, Random random) {
        int at = random.nextInt(token.length());
        char replacement = BASE64URL.charAt(random.nextInt(BASE64URL.length()));
        return token.substring(0, at) + replacement + token.substring(at + 1);
    }

    private static String randomHeader(Random random) {
        String[] algs = {"none", "HS256", "ES256", "RS256", "HS512", "", "null"};
        String[] kids = {"\"ec-current\"", "\"other\"", "null", "123", "[]", "{}"};
        return "{\"alg\":\"" + algs[random.nextInt(algs.length)] + "\",\"kid\":" + kids[random.nextInt(kids.length)] + "}";
    }

    private static String randomPayload(Random random) {
        String[] subs = {"\"" + UUID.randomUUID() + "\"", "null", "42", "\"\"", "[]"};
        String[] roles = {"\"authenticated\"", "\"anon\"", "\"service_role\"", "null", "1"};
        String[] exps = {"4102444800", "\"soon\"", "null", "-1", "1e300", "[1]"};
        return "{\"sub\":" + subs[random.nextInt(subs.length)] + ",\"role\":" + roles[random.nextInt(roles.length)]
                + ",\"aud\":\"authenticated\",\"exp\":" + exps[random.nextInt(exps.length)] + ",\"app_metadata\":[]}";
    }

    private static String encode(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomBase64(Random random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(BASE64URL.charAt(random.nextInt(BASE64URL.length())));
        }
        return s.toString();
    }

    private static long seed() {
        String configured = System.getProperty("gatehouse.test.seed", "");
        long seed;
        try {
            seed = Long.parseLong(configured.strip());
        } catch (NumberFormatException e) {
            seed = System.nanoTime();
        }
        System.out.println("AccessTokenMutationTest seed " + seed);
        return seed;
    }
}
