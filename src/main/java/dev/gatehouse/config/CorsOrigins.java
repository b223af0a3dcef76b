package dev.gatehouse.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The browser origins allowed to call the service ({@code CORS_ORIGINS}): exact origins such as
 * {@code https://app.example.com} or {@code chrome-extension://<id>}, compared as the browser sends them.
 *
 * <p>The one pattern is a loopback host with any port ({@code http://localhost:*}, {@code http://127.0.0.1:*}),
 * dev mode's default, because a front end's dev server picks its own port. It is refused in production: any
 * page served from the user's own machine could then spend their quota.
 *
 * @param exact        origins matched literally (lower-cased scheme and host)
 * @param loopbackAnyPort {@code scheme://host} prefixes of loopback origins allowed with any port
 */
public record CorsOrigins(Set<String> exact, Set<String> loopbackAnyPort) {
    static final String VARIABLE = "CORS_ORIGINS";
    public static final List<String> DEV_DEFAULT = List.of("http://localhost:*", "http://127.0.0.1:*");
    private static final Set<String> SCHEMES = Set.of("http", "https", "chrome-extension", "moz-extension", "safari-web-extension");
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    public CorsOrigins {
        exact = Set.copyOf(exact);
        loopbackAnyPort = Set.copyOf(loopbackAnyPort);
    }

    public static CorsOrigins none() {
        return new CorsOrigins(Set.of(), Set.of());
    }

    /** Whether a browser's {@code Origin} header names an allowed origin. Null and {@code "null"} never are. */
    public boolean allows(String origin) {
        if (origin == null || origin.isEmpty()) {
            return false;
        }
        if (exact.contains(origin)) {
            return true;
        }
        if (loopbackAnyPort.isEmpty()) {
            return false;
        }
        int colon = origin.lastIndexOf(':');
        if (colon < 0 || colon == origin.length() - 1 || !loopbackAnyPort.contains(origin.substring(0, colon))) {
            return false;
        }
        for (int i = colon + 1; i < origin.length(); i++) {
            if (!Character.isDigit(origin.charAt(i))) {
                return false;
            }
        }
        return origin.length() - colon - 1 <= 5;
    }

    /**
     * @param value comma-separated origins; null means the mode's default (dev: loopback on any port;
     *              production: none, so browsers cannot call the service until origins are named)
     */
    static CorsOrigins parse(String value, Mode mode, List<String> problems) {
        List<String> entries = value == null
                ? (mode == Mode.DEV ? DEV_DEFAULT : List.of())
                : List.of(value.split(","));
        Set<String> exact = new LinkedHashSet<>();
        Set<String> anyPort = new LinkedHashSet<>();
        for (String raw : entries) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                problems.add(VARIABLE + " must list origins; '*' would let any web page spend its visitors' quotas");
                continue;
            }
            if (entry.endsWith(":*")) {
                String prefix = entry.substring(0, entry.length() - 2).toLowerCase(Locale.ROOT);
                String host = prefix.replaceFirst("^https?://", "");
                if (host.equals(prefix) || !LOOPBACK.contains(host)) {
                    problems.add(VARIABLE + ": a port wildcard is allowed only on a loopback http(s) origin such as http://localhost:*, got '" + entry + "'");
                } else if (mode == Mode.PRODUCTION) {
                    problems.add(VARIABLE + ": '" + entry + "' is for dev mode only; name the exact origins in production");
                } else {
                    anyPort.add(prefix);
                }
                continue;
            }
            String origin = normalized(entry);
            if (origin == null) {
                problems.add(VARIABLE + ": '" + entry + "' is not an origin; write scheme://host[:port] with no path (a trailing / is dropped),"
                        + " e.g. https://app.example.com or chrome-extension://<extension id>");
            } else {
                exact.add(origin);
            }
        }
        return new CorsOrigins(exact, anyPort);
    }

    /** The origin as a browser serialises it (lower-case scheme and host, no default port), or null. */
    private static String normalized(String entry) {
        URI uri;
        try {
            uri = new URI(entry);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !SCHEMES.contains(scheme) || uri.getHost() == null || uri.getRawUserInfo() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return null;
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }
}
