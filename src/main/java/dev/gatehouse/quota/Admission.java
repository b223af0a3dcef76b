package dev.gatehouse.quota;

import java.util.UUID;

/** The outcome of admitting one AI request. */
public sealed interface Admission {
    Limits limits();

    /** Admitted: the request is counted and its worst-case tokens reserved until settlement. */
    record Admitted(UUID requestId, int grantedOutputTokens, Limits limits) implements Admission {}

    /** Refused before anything was spent. */
    record Rejected(Reason reason, int retryAfterSeconds, Limits limits) implements Admission {}

    /** Why a request was refused; the code is what the caller sees in {@code error.code}. */
    enum Reason {
        RATE_LIMIT_EXCEEDED("rate_limit_exceeded"),
        INSUFFICIENT_QUOTA("insufficient_quota"),
        TOO_MANY_STREAMS("too_many_streams"),
        MODEL_NOT_ALLOWED("model_not_allowed"),
        RAW_CHAT_NOT_ALLOWED("raw_chat_not_allowed"),
        TASK_NOT_ALLOWED("task_not_allowed");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        static Reason of(String code) {
            for (Reason r : values()) {
                if (r.code.equals(code)) {
                    return r;
                }
            }
            throw new IllegalStateException("unknown admission reason from the database: " + code);
        }
    }
}
