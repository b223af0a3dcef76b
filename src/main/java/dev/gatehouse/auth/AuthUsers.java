package dev.gatehouse.auth;

import dev.gatehouse.db.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads {@code auth.users}, and in dev creates a user the way Supabase Auth's sign-up does (a row in
 * {@code auth.users} plus its email identity), so the profile trigger runs exactly as in production.
 */
public final class AuthUsers {
    private AuthUsers() {}

    public static Optional<AuthUser> byEmail(Connection c, String email) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                select id, email, coalesce(raw_app_meta_data, '{}')::text, coalesce(raw_user_meta_data, '{}')::text
                from auth.users where lower(email) = lower(?) and deleted_at is null
                order by is_sso_user limit 1""")) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AuthUser(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
    }

    /**
     * Signs a user up with a confirmed email and no password (dev only). Token columns GoTrue reads as
     * non-null strings are set to {@code ''}, so the user could also sign in through a local Auth server.
     */
    public static AuthUser signUp(Connection c, String email) throws SQLException {
        Transaction.run(c, () -> {
            UUID id = UUID.randomUUID();
            String displayName = email.substring(0, email.indexOf('@'));
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        confirmation_token, recovery_token, email_change_token_new, email_change,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous)
                    values ('00000000-0000-0000-0000-000000000000', ?, 'authenticated', 'authenticated', ?, '', now(),
                        '', '', '', '', '{"provider":"email","providers":["email"]}'::jsonb,
                        jsonb_build_object('display_name', ?::text, 'email_verified', true), now(), now(), false)""")) {
                ps.setObject(1, id);
                ps.setString(2, email.toLowerCase(java.util.Locale.ROOT));
                ps.setString(3, displayName);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
                    values (?::text, ?, jsonb_build_object('sub', ?::text, 'email', ?::text, 'email_verified', true), 'email', now(), now(), now())""")) {
                ps.setString(1, id.toString());
                ps.setObject(2, id);
                ps.setString(3, id.toString());
                ps.setString(4, email.toLowerCase(java.util.Locale.ROOT));
                ps.executeUpdate();
            }
        });
        return byEmail(c, email).orElseThrow(() -> new IllegalStateException("user " + email + " vanished right after sign-up"));
    }
}
