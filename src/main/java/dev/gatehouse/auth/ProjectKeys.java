package dev.gatehouse.auth;

import dev.gatehouse.refusal.Refusal;

/**
 * Supabase's project-level keys, which identify an app, never a user: the publishable and secret keys
 * ({@code sb_publishable_...}, {@code sb_secret_...}, not JWTs) and the legacy anon and service_role keys (JWTs
 * with that role and no {@code sub}). Sending one is a common integration mistake, so each refusal says what to
 * send instead.
 */
final class ProjectKeys {
    static final String NOT_ACCEPTED = "supabase_key_not_accepted";
    static final String SESSION_TOKEN_REQUIRED = "session_token_required";
    static final String SEND_SESSION_TOKEN = "Send the signed-in user's access token"
            + " (session.access_token from supabase.auth.getSession() in supabase-js) as 'Authorization: Bearer <token>'";

    private ProjectKeys() {}

    /** Refuses a publishable or secret key by its prefix, before any parsing. */
    static void refuseNonJwtKey(String credential) {
        if (credential.startsWith("sb_publishable_")) {
            throw Refusal.unauthorized(NOT_ACCEPTED, "This is the Supabase project's publishable key (sb_publishable_...),"
                    + " which identifies the app, not a user. " + SEND_SESSION_TOKEN + ", or a gh_ API key.");
        }
        if (credential.startsWith("sb_secret_")) {
            throw Refusal.unauthorized(NOT_ACCEPTED, "This is a Supabase secret key (sb_secret_...): it must stay on your"
                    + " server and is not accepted here; rotate it if it reached a browser. " + SEND_SESSION_TOKEN + ", or a gh_ API key.");
        }
    }

    /** Refuses the legacy anon and service_role keys by their {@code role} claim. */
    static void refuseLegacyKeyRole(String role) {
        if ("anon".equals(role)) {
            throw Refusal.unauthorized(SESSION_TOKEN_REQUIRED, "This is the project's anon key (role 'anon'),"
                    + " which identifies the app, not a user. " + SEND_SESSION_TOKEN + ".");
        }
        if ("service_role".equals(role)) {
            throw Refusal.unauthorized(SESSION_TOKEN_REQUIRED, "This is the project's service_role key:"
                    + " it must stay on your server and is not accepted here; rotate it if it reached a browser. " + SEND_SESSION_TOKEN + ".");
        }
    }
}
