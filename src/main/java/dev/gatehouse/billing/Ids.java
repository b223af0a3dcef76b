package dev.gatehouse.billing;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/** Conversions of the untrusted text and epoch seconds Stripe hands back. */
final class Ids {
    private Ids() {}

    /** The UUID in {@code text}, or null when it is not one. */
    static UUID uuid(String text) {
        if (text == null) {
            return null;
        }
        try {
            UUID u = UUID.fromString(text);
            return u.toString().equals(text.toLowerCase(java.util.Locale.ROOT)) ? u : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Timestamp timestamp(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    static Timestamp epoch(long seconds) {
        return seconds <= 0 ? null : Timestamp.from(Instant.ofEpochSecond(seconds));
    }
}
