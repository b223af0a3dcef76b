package dev.gatehouse.ai.stream;

import dev.gatehouse.ai.chat.Outcome;
import dev.gatehouse.ai.chat.Usage;


/**
 * How a stream ended once at least one event reached the caller's {@link SseSink}.
 *
 * @param usage what it cost; its outcome is {@link Outcome#COMPLETED}, {@link Outcome#CUT_BY_CALLER}
 *              or {@link Outcome#FAILED_AFTER_FIRST_BYTE}
 */
public record StreamResult(Usage usage) {

    public Outcome outcome() {
        return usage.outcome();
    }
}
