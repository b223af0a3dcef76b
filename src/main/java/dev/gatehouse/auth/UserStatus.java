package dev.gatehouse.auth;

/**
 * What {@code auth.users} says of the user a verified credential names. A token outlives its user: it stays
 * valid until it expires (an hour by default) after the account is deleted or banned, so the signature alone
 * cannot tell.
 */
public enum UserStatus {
    /** The row exists, is not soft-deleted, not banned now, and not an anonymous sign-in. */
    ACTIVE,
    /** No row, or {@code deleted_at} is set: the account was deleted. */
    DELETED,
    /** {@code banned_until} is in the future. */
    BANNED,
    /** {@code is_anonymous}: a session with no identity, which anyone can create in any number. */
    ANONYMOUS
}
