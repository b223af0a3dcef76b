package dev.gatehouse.auth;

import com.auth0.jwt.JWTVerifier;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens already verified, by their exact text. A browser sends the same access token with every request for
 * up to an hour, and an ES256 signature check costs about a millisecond of CPU, more than the gateway's whole
 * latency budget; a hit costs one map lookup.
 *
 * <p>An entry remembers which verifier accepted the token; the caller honours it only while that same verifier
 * is still the one the token's header selects and the token has not expired, so a key removed from the JWKS,
 * or replaced under its kid, invalidates every token it verified.
 */
final class VerifiedTokenCache {

    record Entry(VerifiedToken token, String alg, String kid, JWTVerifier verifier) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;

    /** @param maxEntries 0 disables the cache */
    VerifiedTokenCache(int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("the verified-token cache size must not be negative, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    Entry get(String token) {
        return maxEntries == 0 ? null : entries.get(token);
    }

    /** @param expiredBy entries whose token expired by this instant may be dropped to make room */
    void put(String token, Entry entry, Instant expiredBy) {
        if (maxEntries == 0) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(e -> !e.token().expiresAt().isAfter(expiredBy));
            // Still mostly full of live tokens: start over rather than sweep again on every insert.
            if (entries.size() > maxEntries * 3 / 4) {
                entries.clear();
            }
        }
        entries.put(token, entry);
    }

    int size() {
        return entries.size();
    }
}
