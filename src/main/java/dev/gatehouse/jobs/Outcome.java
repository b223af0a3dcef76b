package dev.gatehouse.jobs;

import dev.gatehouse.redaction.Secrets;
import java.time.Duration;
import java.time.Instant;

/** What became of one attempt at a queued row; the queue records it. */
public sealed interface Outcome {
    /** Done; {@code ref} (a provider's message id) is kept when the table has a column for it. */
    record Done(String ref) implements Outcome {}

    /**
     * A transient failure: retried after {@code after} (null = exponential backoff), or dead once the
     * row has used its attempts.
     */
    record Retry(String reason, Duration after) implements Outcome {}

    /**
     * Not now, and not the row's fault (a provider's daily quota is spent): wait until {@code until}
     * without using up an attempt.
     */
    record Defer(String reason, Instant until) implements Outcome {}

    /** Deliberately not done (the channel or integration is off here): neither done nor dead. */
    record Skip(String reason) implements Outcome {}

    /** A permanent failure (the provider refused the row for good): dead at once. */
    record Fail(String reason) implements Outcome {}

    /**
     * The same outcome with credential shapes masked in its reason: reasons quote third parties
     * (Resend's, Twilio's, Zoom's messages), and the queue logs them and keeps them in {@code last_error}.
     */
    default Outcome redacted() {
        return switch (this) {
            case Done d -> d;
            case Retry r -> new Retry(Secrets.scrub(r.reason()), r.after());
            case Defer d -> new Defer(Secrets.scrub(d.reason()), d.until());
            case Skip s -> new Skip(Secrets.scrub(s.reason()));
            case Fail f -> new Fail(Secrets.scrub(f.reason()));
        };
    }

    /** A transient failure retried with the queue's exponential backoff. */
    static Retry retryLater(String reason) {
        return new Retry(reason, null);
    }
}
