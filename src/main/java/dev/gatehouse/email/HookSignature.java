package dev.gatehouse.email;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.refusal.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a Standard Webhooks signature as Supabase Auth sends it: HMAC-SHA256 over
 * {@code {webhook-id}.{webhook-timestamp}.{raw body}}, keyed with the base64-decoded part of each
 * configured {@code v1,whsec_<base64>} secret, compared in constant time; the timestamp must be
 * within the tolerance either way. Several secrets ({@code |}-separated, as in config.toml) allow a
 * rotation. Hand-written (30 lines) because the reference Java library is not on Maven Central and
 * strips only {@code whsec_}, not Supabase's {@code v1,} prefix.
 */
public final class HookSignature {
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    private final List<byte[]> keys;
    private final Clock clock;

    private HookSignature(List<byte[]> keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** @param setting the value of {@code SEND_EMAIL_HOOK_SECRET}; null or blank: the hook is not configured */
    public static HookSignature parse(String setting, Clock clock) {
        if (setting == null || setting.isBlank()) {
            return null;
        }
        List<byte[]> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String part : setting.split("\\|")) {
            String s = part.strip();
            s = s.startsWith("v1,") ? s.substring(3) : s;
            if (!s.startsWith("whsec_")) {
                problems.add("SEND_EMAIL_HOOK_SECRET must be 'v1,whsec_<base64>' (as Supabase shows it), several separated by '|'");
                continue;
            }
            try {
                byte[] key = Base64.getDecoder().decode(s.substring(6));
                if (key.length < 24) {
                    problems.add("SEND_EMAIL_HOOK_SECRET is too short: Supabase's secrets decode to at least 24 bytes");
                }
                keys.add(key);
            } catch (IllegalArgumentException e) {
                problems.add("SEND_EMAIL_HOOK_SECRET: the part after whsec_ is not base64");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new HookSignature(List.copyOf(keys), clock);
    }

    /** @throws Refusal 401 when the headers are missing, the timestamp is stale, or no signature matches */
    public void verify(String id, String timestamp, String signatures, byte[] body) {
        if (id == null || timestamp == null || signatures == null) {
            throw Refusal.unauthorized("missing_signature", "webhook-id, webhook-timestamp and webhook-signature are required.");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw Refusal.unauthorized("invalid_signature", "webhook-timestamp must be unix seconds.");
        }
        if (Math.abs(clock.instant().getEpochSecond() - ts) > TOLERANCE.toSeconds()) {
            throw Refusal.unauthorized("stale_signature", "webhook-timestamp is outside the tolerance of " + TOLERANCE.toMinutes() + " minutes.");
        }
        byte[] signed = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
        for (byte[] key : keys) {
            byte[] expected = sign(key, signed, body);
            for (String candidate : signatures.split("\\s+")) {
                String c = candidate.replaceAll(",$", "");
                if (!c.startsWith("v1,")) {
                    continue;
                }
                byte[] given;
                try {
                    given = Base64.getDecoder().decode(c.substring(3));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (MessageDigest.isEqual(expected, given)) {
                    return;
                }
            }
        }
        throw Refusal.unauthorized("invalid_signature", "No webhook-signature matches.");
    }

    /** The {@code v1,<base64>} signature of a delivery (for tests and local tooling). */
    public static String sign(byte[] key, String id, long timestamp, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(sign(key, (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body));
    }

    private static byte[] sign(byte[] key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
