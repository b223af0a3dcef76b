package dev.gatehouse.ai.stream;

import java.io.IOException;

/**
 * The caller's connection failed while we wrote to it. Unchecked so it passes straight through the
 * upstream read loops (which handle only upstream {@link IOException}s) to the gateway.
 */
public final class CallerGone extends RuntimeException {
    CallerGone(IOException cause) {
        super("caller disconnected", cause, false, false);
    }
}
