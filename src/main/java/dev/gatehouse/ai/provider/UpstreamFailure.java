package dev.gatehouse.ai.provider;

import dev.gatehouse.refusal.Refusal;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.time.Duration;

/**
 * Why one attempt at a deployment failed, and so what the gateway does next. The message is for
 * our logs only (kind, status, exception class): it never reaches a caller and never holds a key
 * or an upstream body.
 */
public final class UpstreamFailure extends Exception {

    public enum Kind {
        /** 429, or an in-stream rate limit error: retry here after Retry-After or backoff, then fall back. */
        RATE_LIMITED(true),
        /** 5xx, 529 overloaded, 408/409/425, an in-stream error event: retry, then fall back. */
        SERVER_ERROR(true),
        /** No answer (or no first event) within the attempt's time: retry, then fall back. */
        TIMEOUT(true),
        /** Refused, reset, closed without a response: retry, then fall back. */
        CONNECTION(true),
        /** A 2xx whose body is not what the API promises, or a stream that ends without its end marker. */
        MALFORMED(true),
        /** 401/402/403/404 and other 4xx that are ours: a bad key, no credit, a wrong model id or URL. Fall back at once. */
        MISCONFIGURED(false),
        /** 400/413/422: the caller's request is at fault. No retry, no fallback: the caller gets a 4xx. */
        CALLER_ERROR(false);

        public final boolean retrySameDeployment;

        Kind(boolean retrySameDeployment) {
            this.retrySameDeployment = retrySameDeployment;
        }
    }

    private final Kind kind;
    private final Duration retryAfter;
    private final Refusal callerError;

    private UpstreamFailure(Kind kind, String detail, Duration retryAfter, Refusal callerError, Throwable cause) {
        super(detail, cause, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.callerError = callerError;
    }

    static UpstreamFailure of(Kind kind, String detail) {
        return new UpstreamFailure(kind, detail, null, null, null);
    }

    /** An error status from the provider; {@code callerError} is what the caller gets for a 400/413/422. */
    static UpstreamFailure forStatus(int status, Duration retryAfter, Refusal callerError) {
        Kind kind = switch (status) {
            case 429 -> Kind.RATE_LIMITED;
            case 400, 413, 422 -> Kind.CALLER_ERROR;
            case 408, 409, 425 -> Kind.SERVER_ERROR;
            default -> status >= 500 ? Kind.SERVER_ERROR : status >= 400 ? Kind.MISCONFIGURED : Kind.MALFORMED;
        };
        return new UpstreamFailure(kind, "HTTP " + status, retryAfter, kind == Kind.CALLER_ERROR ? callerError : null, null);
    }

    static UpstreamFailure forIo(IOException e, boolean timedOutByUs) {
        if (timedOutByUs || e instanceof InterruptedIOException) {
            return new UpstreamFailure(Kind.TIMEOUT, "timed out (" + e.getClass().getSimpleName() + ")", null, null, e);
        }
        if (e instanceof ProtocolException) {
            return new UpstreamFailure(Kind.MALFORMED, "malformed response (" + e.getMessage() + ")", null, null, e);
        }
        return new UpstreamFailure(Kind.CONNECTION, "connection failed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", null, null, e);
    }

    static UpstreamFailure malformed(String why) {
        return of(Kind.MALFORMED, "malformed response: " + why);
    }

    public Kind kind() {
        return kind;
    }

    /** The provider's Retry-After, or null when it sent none. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public Refusal callerError() {
        return callerError;
    }
}
