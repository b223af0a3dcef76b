package dev.gatehouse.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the HTTP edge protects itself: the per-IP limit on unauthenticated endpoints, which peers are trusted
 * proxies (only their {@code X-Forwarded-For} is believed), and whether to send HSTS.
 *
 * @param publicRequestsPerMinute per client IP on the unauthenticated endpoints; 0 switches the limit off
 * @param trackedClients          at most this many client IPs are remembered (least recently seen dropped first)
 * @param trustedProxies          address ranges of the load balancers in front of the service; empty: the peer is the client
 * @param hsts                    send {@code Strict-Transport-Security} (production, where TLS ends at the load balancer)
 * @param shedLagMillis           the standing scheduler lag (ms) past which new AI calls are shed with 503; 0 switches shedding off
 */
public record EdgeSettings(int publicRequestsPerMinute, int trackedClients, List<Range> trustedProxies, boolean hsts, int shedLagMillis) {
    static final String RATE = "GATEHOUSE_PUBLIC_RATE_PER_MINUTE";
    static final String SHED = "GATEHOUSE_SHED_LAG_MS";
    // off until the benchmark past saturation has chosen a target (bench/README.md)
    static final int DEFAULT_SHED_LAG_MILLIS = 0;
    static final String PROXIES = "GATEHOUSE_TRUSTED_PROXIES";

    public EdgeSettings {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** An address range, {@code 10.0.0.0/8} or one address; IPv4 and IPv6 never match each other. */
    public record Range(byte[] network, int prefixBits) {
        public boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    /** Whether {@code ip} (a literal address, as the servlet reports the peer) is one of the trusted proxies. */
    public boolean trusted(String ip) {
        if (trustedProxies.isEmpty()) {
            return false;
        }
        byte[] address = address(ip);
        return address != null && trustedProxies.stream().anyMatch(r -> r.contains(address));
    }

    static EdgeSettings load(Map<String, String> env, Mode mode, List<String> problems) {
        int rate = 120;
        String rateText = SettingValues.blankToNull(env.get(RATE));
        if (rateText != null) {
            try {
                rate = Integer.parseInt(rateText);
                if (rate < 0 || rate > 1_000_000) {
                    problems.add(RATE + " must be between 0 (off) and 1000000, got " + rate);
                }
            } catch (NumberFormatException e) {
                problems.add(RATE + " must be a whole number of requests per minute, got '" + rateText + "'");
            }
        }
        List<Range> ranges = new ArrayList<>();
        String proxies = SettingValues.blankToNull(env.get(PROXIES));
        if (proxies != null) {
            for (String raw : proxies.split(",")) {
                String entry = raw.strip();
                if (entry.isEmpty()) {
                    continue;
                }
                Range r = range(entry);
                if (r == null) {
                    problems.add(PROXIES + ": '" + entry + "' is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8");
                } else if (r.prefixBits() == 0) {
                    problems.add(PROXIES + ": '" + entry + "' trusts every address, so any client could forge X-Forwarded-For; name your load balancer's range");
                } else {
                    ranges.add(r);
                }
            }
        }
        int shed = SettingValues.wholeNumber(env, SHED, DEFAULT_SHED_LAG_MILLIS, 0, 60_000, problems);
        return new EdgeSettings(rate, 10_000, ranges, mode == Mode.PRODUCTION, shed);
    }

    private static Range range(String entry) {
        int slash = entry.indexOf('/');
        byte[] network = address(slash < 0 ? entry : entry.substring(0, slash));
        if (network == null) {
            return null;
        }
        int bits = network.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (bits < 0 || bits > network.length * 8) {
                return null;
            }
        }
        return new Range(network, bits);
    }

    /** The bytes of a literal IPv4 or IPv6 address; null for anything else (never a DNS lookup). */
    public static byte[] address(String ip) {
        if (ip == null || ip.isEmpty() || !(ip.indexOf(':') >= 0 || ip.matches("[0-9.]+"))) {
            return null;
        }
        String bare = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        if (bare.indexOf(':') >= 0 ? !bare.matches("[0-9a-fA-F:.]+") : !bare.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
            return null;
        }
        try {
            return InetAddress.getByName(bare).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
