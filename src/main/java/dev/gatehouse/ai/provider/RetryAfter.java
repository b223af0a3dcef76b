package dev.gatehouse.ai.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import okhttp3.Headers;

/** Reads how long a provider asks us to wait: {@code retry-after-ms} (OpenAI), else {@code Retry-After} in seconds or as an HTTP date. */
final class RetryAfter {
    private RetryAfter() {}

    /** The wait asked for, never negative; null when the headers ask for none or cannot be read. */
    static Duration from(Headers headers, Instant now) {
        String millis = headers.get("retry-after-ms");
        if (millis != null) {
            try {
                return nonNegative(Duration.ofNanos((long) (Double.parseDouble(millis.strip()) * 1_000_000)));
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
            return nonNegative(Duration.ofMillis((long) (Double.parseDouble(value) * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return nonNegative(Duration.between(now, at));
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
