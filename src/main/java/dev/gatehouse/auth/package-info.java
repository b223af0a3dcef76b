/**
 * Who is calling: turns an {@code Authorization} header into a {@link dev.gatehouse.auth.Caller} or a 401.
 *
 * <p>Owns verification of Supabase access tokens (ES256/RS256 against the project's JWKS, HS256 against the
 * legacy JWT secret; the key, never the token, decides the algorithm), the parsing and classification of
 * bearer credentials, and the shape of a caller. Every refusal is an
 * {@link dev.gatehouse.refusal.Refusal#unauthorized 401} whose message says what to send instead; anything
 * unexpected fails closed.
 *
 * <p>A valid credential must also name a live account: {@link dev.gatehouse.auth.UserStatusLookup} says whether
 * {@code auth.users} still has the user, banned or anonymous, read by {@code AuthUserStatuses} through a
 * short per-user cache so a request costs a map lookup.
 *
 * <p>Must not touch: the database beyond those reads (API keys are looked up through
 * {@link dev.gatehouse.auth.ApiKeyLookup}; {@code AuthUsers} and {@code AccessTokenMinter} serve the CLI, never a request),
 * HTTP routing (the web layer calls {@link dev.gatehouse.auth.Authenticator}), quotas, plans or scopes'
 * meaning. The hot path does no I/O and no configuration work: verifiers are built when keys arrive.
 */
package dev.gatehouse.auth;
