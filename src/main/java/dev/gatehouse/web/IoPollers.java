package dev.gatehouse.web;

/**
 * Which threads wake a virtual thread whose socket became ready: platform poller threads
 * ({@code jdk.pollerMode=1}, the JDK 21 default) rather than JDK 22+'s default on Linux, read pollers that
 * are themselves virtual threads under one platform "MasterPoller". With those, every upstream answer is
 * two virtual-thread hand-offs (the master wakes a poller, which must get a carrier to wake the caller)
 * instead of one: at 1,000 requests/s on two cores the service spent 8-15 % more CPU per request and
 * its added p99 was higher (medians of six runs each, A B A B: 2.27 and 2.75 ms against 1.80 and
 * 2.16; bench/README.md, session 31, {@code bench/gateway.sh --open-only}).
 *
 * <p>The JDK reads the property once, when the first virtual thread blocks on a socket, so
 * {@link #preferPlatformThreads} must run before that: first thing in {@code Main.main}. An operator's own
 * {@code -Djdk.pollerMode=...} wins. On a JDK without the property it is an unused system property.
 */
public final class IoPollers {
    static final String PROPERTY = "jdk.pollerMode";
    static final String PLATFORM_THREADS = "1";

    private IoPollers() {}

    /** Sets {@code jdk.pollerMode=1} unless it is set already; answers the mode in force. */
    public static String preferPlatformThreads() {
        String set = System.getProperty(PROPERTY);
        if (set == null || set.isBlank()) {
            System.setProperty(PROPERTY, PLATFORM_THREADS);
            return PLATFORM_THREADS;
        }
        return set;
    }
}
