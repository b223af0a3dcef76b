package dev.gatehouse.ai.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import okhttp3.Headers;

/**
 * Reads how long a provider asks us to wait: {@code retry-after-ms} (OpenAI), else {@code Retry-After} in seconds or as an HTTP date.
 * The provider controls these numbers, so they are clamped to {@link #LONGEST} (any wait that long is past every deadline anyway)
 * before any arithmetic: a {@code 1e300} never overflows a {@link Duration} or {@code nanoTime()}.
 */
final class RetryAfter {
    /** Longer than any request deadline; what every larger or unbounded hint becomes. */
    static final Duration LONGEST = Duration.ofDays(1);

    private RetryAfter() {}

    /** The wait asked for, never negative; null when the headers ask for none or cannot be read. */
    static Duration from(Headers headers, Instant now) {
        String millis = headers.get("retry-after-ms");
        if (millis != null) {
            try {
                Duration wait = seconds(Double.parseDouble(millis.strip()) / 1000);
                if (wait != null) {
                    return wait;
                }
            } catch (NumberFormatException e) {
                // fall through to Retry-After: a garbled hint is no hint
            }
        }
        String value = headers.get("retry-after");
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.strip();
        try {
            return seconds(Double.parseDouble(value));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return wait.isNegative() ? Duration.ZERO : wait.compareTo(LONGEST) > 0 ? LONGEST : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** A number of seconds as a wait in [0, LONGEST]; null for NaN, which is no hint at all. */
    private static Duration seconds(double seconds) {
        if (Double.isNaN(seconds)) {
            return null;
        }
        if (seconds <= 0) {
            return Duration.ZERO;
        }
        if (seconds >= LONGEST.toSeconds()) {
            return LONGEST;
        }
        return Duration.ofNanos((long) (seconds * 1_000_000_000));
    }
}
