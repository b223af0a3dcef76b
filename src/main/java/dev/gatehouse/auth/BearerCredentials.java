package dev.gatehouse.auth;

import dev.gatehouse.refusal.Refusal;

/**
 * The credential in an {@code Authorization: Bearer} header, classified by its shape before anything is
 * verified: a personal API key ({@code gh_...}) or, otherwise, a Supabase access token (a JWT). Supabase's own
 * project keys ({@code sb_publishable_...}, {@code sb_secret_...}) are refused here, since neither names a user.
 */
public sealed interface BearerCredentials permits BearerCredentials.AccessToken, BearerCredentials.ApiKey {

    String EXPECTED = "Authorization: Bearer <Supabase access token or gh_ API key>";
    String API_KEY_PREFIX = "gh_";
    /** Well above any real Supabase JWT (a few KB with metadata); refuses junk before it is base64-decoded. */
    int MAX_LENGTH = 16 * 1024;

    /** A Supabase access token, not yet verified. */
    record AccessToken(String jwt) implements BearerCredentials {
        @Override
        public String toString() {
            return "AccessToken[redacted]";
        }
    }

    /** A personal API key, not yet looked up. */
    record ApiKey(String plaintext) implements BearerCredentials {
        @Override
        public String toString() {
            return "ApiKey[" + API_KEY_PREFIX + "…redacted]";
        }
    }

    /**
     * Reads the {@code Authorization} header's value.
     *
     * @throws Refusal 401 naming what to send, when the header is missing, empty, of another scheme or a
     *                      Supabase project key
     */
    static BearerCredentials parse(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw Refusal.unauthorized("missing_authorization", "No credentials were sent. Send " + EXPECTED + ".");
        }
        String header = authorization.strip();
        int gap = firstWhitespace(header);
        String scheme = gap < 0 ? header : header.substring(0, gap);
        if (!scheme.equalsIgnoreCase("Bearer")) {
            // The scheme is not echoed: a credential sent without a scheme would otherwise be reflected back.
            String hint = gap < 0 && (header.startsWith("eyJ") || header.startsWith(API_KEY_PREFIX))
                    ? "The header holds a bare credential; prefix it with 'Bearer '. "
                    : "Only the Bearer scheme is accepted. ";
            throw Refusal.unauthorized("invalid_authorization_scheme", hint + "Send " + EXPECTED + ".");
        }
        // The header is stripped already, so only the gap's further whitespace is left to trim: stripLeading
        // answers the same string when there is none, and the (often kilobyte-long) credential is copied once.
        String credential = gap < 0 ? "" : header.substring(gap + 1).stripLeading();
        if (credential.isEmpty()) {
            throw Refusal.unauthorized("missing_authorization", "The Bearer credential is empty. Send " + EXPECTED + ".");
        }
        if (credential.length() > MAX_LENGTH) {
            throw Refusal.unauthorized("invalid_token", "The bearer credential is too long to be an access token or API key.");
        }
        if (firstWhitespace(credential) >= 0 || credential.indexOf(',') >= 0) {
            // "Bearer a b" or "Bearer a, Bearer b" (two headers folded into one): which one is meant cannot be known.
            throw ambiguous("The Authorization header holds more than one credential. Send exactly one: " + EXPECTED + ".");
        }
        if (credential.startsWith(API_KEY_PREFIX)) {
            return new ApiKey(credential);
        }
        ProjectKeys.refuseNonJwtKey(credential);
        return new AccessToken(credential);
    }

    /** 400: the request names more than one credential. */
    static Refusal ambiguous(String message) {
        return new Refusal(400, "invalid_request_error", "ambiguous_authorization", null, message, java.util.Map.of());
    }

    private static int firstWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
