package dev.gatehouse.auth;

import com.auth0.jwk.InvalidPublicKeyException;
import com.auth0.jwk.Jwk;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Supabase project's public signing keys (its JWKS), each held as a ready {@link JWTVerifier} pinned to
 * the algorithm the key itself implies.
 *
 * <p>A known key is answered from memory. The key set is refetched in the background once it is older than
 * {@code maxAge} (Supabase serves it with {@code max-age=600}), so a key removed from the JWKS stops verifying
 * within about that long; and on demand when a token names an unknown {@code kid}, so a rotated-in key works
 * without a restart. Fetches, for either reason, start at most once per {@code minRefetchInterval}: a flood of
 * invented kids costs one fetch per interval, never one per request. When a fetch fails the last good keys
 * stay in use, so a JWKS outage does not sign everyone out.
 *
 * <p>jwks-rsa's {@code JwkProviderBuilder} cache is not used for this, for two reasons seen in 0.23.0: every
 * per-kid cache miss spends a rate-limit token even when no fetch is needed, so a flood of invented kids makes
 * the real key fail with {@code RateLimitReachedException} as soon as its cache entry expires; and an expired
 * entry is answered from the provider's in-memory list without a fetch, so a revoked key is never dropped.
 * jwks-rsa still turns each JWK into a public key ({@link Jwk}).
 */
final class JwksKeys {
    private static final Logger log = LoggerFactory.getLogger(JwksKeys.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {};
    private static final int MIN_RSA_BITS = 2048;

    /** What is known about a kid after looking it up, fetching if allowed. */
    sealed interface Lookup {
        record Found(JWTVerifier verifier) implements Lookup {}

        /** The JWKS was read and has no usable key with this kid. */
        record Unknown() implements Lookup {}

        /** The JWKS could not be read, so whether the kid is genuine cannot be told. */
        record Unavailable() implements Lookup {}
    }

    private static final Lookup UNKNOWN = new Lookup.Unknown();
    private static final Lookup UNAVAILABLE = new Lookup.Unavailable();

    /** A published key as fetched, and the verifier built for it. */
    private record Key(JsonNode jwk, JWTVerifier verifier) {}

    /** One fetched JWKS; replaced whole, never mutated, so readers need no lock. */
    private record KeySet(Map<String, Key> byKid, Instant fetchedAt) {
        static final KeySet NONE = new KeySet(Map.of(), null);

        JWTVerifier verifier(String kid) {
            Key key = byKid.get(kid);
            return key == null ? null : key.verifier();
        }
    }

    private final HttpUrl url;
    private final OkHttpClient http;
    private final Function<Algorithm, JWTVerifier> verifiers;
    private final Duration maxAge;
    private final Duration minRefetchInterval;
    private final Clock clock;

    // A ReentrantLock rather than synchronized: a virtual thread blocked in a fetch must not pin its carrier on Java 21.
    private final ReentrantLock fetchLock = new ReentrantLock();
    private final AtomicBoolean backgroundRefresh = new AtomicBoolean();
    private volatile KeySet keys = KeySet.NONE;
    private volatile Instant lastAttempt; // written under fetchLock
    private volatile boolean lastAttemptFailed; // written under fetchLock

    JwksKeys(String jwksUrl, Duration maxAge, Duration minRefetchInterval, Duration fetchTimeout, Clock clock,
             Function<Algorithm, JWTVerifier> verifiers) {
        this.url = HttpUrl.get(jwksUrl);
        this.maxAge = maxAge;
        this.minRefetchInterval = minRefetchInterval;
        this.clock = clock;
        this.verifiers = verifiers;
        this.http = new OkHttpClient.Builder()
                .callTimeout(fetchTimeout)
                // One attempt per fetch: the refetch interval, not OkHttp, decides how often the JWKS is asked.
                .retryOnConnectionFailure(false)
                .build();
    }

    /** The verifier of a key already fetched, or null; never does I/O. */
    JWTVerifier known(String kid) {
        return keys.verifier(kid);
    }

    /** The verifier for {@code kid}, fetching the JWKS first when the kid is unknown and a fetch is allowed. */
    Lookup find(String kid) {
        KeySet current = keys;
        JWTVerifier verifier = current.verifier(kid);
        if (verifier != null) {
            if (isStale(current)) {
                refreshInBackground();
            }
            return new Lookup.Found(verifier);
        }
        fetchLock.lock();
        try {
            // Whoever held the lock before may have just fetched this very kid (many callers, one rotated key).
            verifier = keys.verifier(kid);
            if (verifier == null && mayFetch()) {
                fetch();
                verifier = keys.verifier(kid);
            }
            if (verifier != null) {
                return new Lookup.Found(verifier);
            }
            return lastAttemptFailed ? UNAVAILABLE : UNKNOWN;
        } finally {
            fetchLock.unlock();
        }
    }

    /** Fetches now, regardless of the interval (at start, so the first requests find the keys in memory). */
    boolean load() {
        fetchLock.lock();
        try {
            fetch();
            return !lastAttemptFailed;
        } finally {
            fetchLock.unlock();
        }
    }

    private boolean isStale(KeySet set) {
        return set.fetchedAt() != null && !clock.instant().isBefore(set.fetchedAt().plus(maxAge));
    }

    private boolean mayFetch() {
        Instant last = lastAttempt;
        return last == null || !clock.instant().isBefore(last.plus(minRefetchInterval));
    }

    private void refreshInBackground() {
        if (!mayFetch() || !backgroundRefresh.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("jwks-refresh").start(() -> {
            fetchLock.lock();
            try {
                if (isStale(keys) && mayFetch()) {
                    fetch();
                }
            } finally {
                fetchLock.unlock();
                backgroundRefresh.set(false);
            }
        });
    }

    /** Replaces the key set with the JWKS as served now; on failure keeps the last good one. Holds fetchLock. */
    private void fetch() {
        Instant now = clock.instant();
        lastAttempt = now;
        try {
            keys = new KeySet(download(), now);
            lastAttemptFailed = false;
        } catch (IOException | RuntimeException e) {
            lastAttemptFailed = true;
            log.warn("Could not fetch the Supabase signing keys from {}; keeping the {} key(s) fetched before: {}",
                    url, keys.byKid().size(), e.toString());
        }
    }

    private Map<String, Key> download() throws IOException {
        Request request = new Request.Builder().url(url).header("Accept", "application/json").build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() != 200) {
                throw new IOException("HTTP " + response.code());
            }
            JsonNode published = JSON.readTree(response.body().byteStream()).path("keys");
            if (!published.isArray()) {
                throw new IOException("the response has no \"keys\" array");
            }
            // An empty set is valid: a project still on the legacy HS256 secret publishes no keys.
            Map<String, Key> byKid = new LinkedHashMap<>();
            for (JsonNode jwk : published) {
                String kid = jwk.path("kid").asText("");
                try {
                    if (kid.isEmpty()) {
                        throw new IllegalArgumentException("it has no kid");
                    }
                    if (byKid.putIfAbsent(kid, keyFor(jwk, keys.byKid().get(kid))) != null) {
                        throw new IllegalArgumentException("its kid is used twice; the first one is kept");
                    }
                } catch (InvalidPublicKeyException | RuntimeException e) {
                    // One odd key (a future algorithm, say) must not take the usable ones down with it.
                    log.warn("Ignoring a key in the Supabase JWKS (kid '{}'): {}", kid, e.getMessage());
                }
            }
            return Map.copyOf(byKid);
        }
    }

    /**
     * An unchanged key keeps its verifier: verifiers stay built once per key, and tokens remembered as verified
     * by it stay valid across refreshes.
     */
    private Key keyFor(JsonNode jwk, Key before) throws InvalidPublicKeyException {
        if (before != null && before.jwk().equals(jwk)) {
            return before;
        }
        return new Key(jwk, verifiers.apply(algorithmOf(Jwk.fromValues(JSON.convertValue(jwk, JSON_OBJECT)))));
    }

    /**
     * The one algorithm a key verifies, decided by the key alone: P-256 keys verify ES256, RSA keys of 2048 bits
     * or more verify RS256. Anything else (including a published symmetric "oct" key, which would let anyone
     * mint tokens) is refused.
     */
    static Algorithm algorithmOf(Jwk jwk) throws InvalidPublicKeyException {
        if (jwk.getUsage() != null && !jwk.getUsage().equals("sig")) {
            throw new IllegalArgumentException("it is for '" + jwk.getUsage() + "', not signatures");
        }
        List<String> operations = jwk.getOperationsAsList();
        if (operations != null && !operations.contains("verify")) {
            throw new IllegalArgumentException("its key_ops " + operations + " exclude 'verify'");
        }
        String declared = jwk.getAlgorithm();
        switch (jwk.getType()) {
            case "EC" -> {
                Object curve = jwk.getAdditionalAttributes().get("crv");
                if (!"P-256".equals(curve) || (declared != null && !declared.equals("ES256"))) {
                    throw new IllegalArgumentException("EC keys are accepted on P-256 for ES256 only, got " + curve + " for " + declared);
                }
                return Algorithm.ECDSA256((ECPublicKey) jwk.getPublicKey());
            }
            case "RSA" -> {
                if (declared != null && !declared.equals("RS256")) {
                    throw new IllegalArgumentException("RSA keys are accepted for RS256 only, got " + declared);
                }
                RSAPublicKey key = (RSAPublicKey) jwk.getPublicKey();
                if (key.getModulus().bitLength() < MIN_RSA_BITS) {
                    throw new IllegalArgumentException("the RSA key has " + key.getModulus().bitLength() + " bits, fewer than " + MIN_RSA_BITS);
                }
                return Algorithm.RSA256(key);
            }
            default -> throw new IllegalArgumentException("key type '" + jwk.getType() + "' is not accepted");
        }
    }
}
