package dev.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.gatehouse.refusal.Refusal;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Asserts that a call is refused the way a client will see it: status, error code, challenge header. */
final class Refusals {
    private Refusals() {}

    /** A 401 with {@code code} and a {@code WWW-Authenticate} challenge; returned for checks on its message. */
    static Refusal unauthorized(String code, ThrowingCallable call) {
        Refusal e = refused(401, code, call);
        assertThat(e.headers()).containsKey("WWW-Authenticate");
        return e;
    }

    static Refusal refused(int status, String code, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the call must be refused with an Refusal").isInstanceOf(Refusal.class);
        Refusal e = (Refusal) thrown;
        assertThat(e.status()).as("status of: %s", e.getMessage()).isEqualTo(status);
        assertThat(e.code()).as("code of: %s", e.getMessage()).isEqualTo(code);
        return e;
    }
}
