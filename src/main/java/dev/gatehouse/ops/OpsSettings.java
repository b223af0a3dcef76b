package dev.gatehouse.ops;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.SettingValues;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The operations settings, read once at start and validated together.
 *
 * @param opsToken     the bearer that opens {@code /metrics} and {@code /status}; null when none is
 *                     set in production (then {@code /metrics} answers 503 and {@code /status} takes admins only)
 * @param sentryDsn    where errors go; null: nowhere
 * @param readiness    when the outbox and the email provider fail {@code /ready}
 */
public record OpsSettings(String opsToken, String sentryDsn, String sentryEnvironment, Readiness readiness) {
    static final int MIN_TOKEN_LENGTH = 32;

    /**
     * @param maxOutboxDepth      rows not yet sent above which {@code /ready} fails
     * @param maxOutboxAgeSeconds age of the oldest unsent row above which it fails
     * @param maxOutboxDead       dead rows above which it fails
     * @param maxEmailFailures    consecutive failed delivery attempts (provider down, key revoked) at which it fails
     */
    public record Readiness(long maxOutboxDepth, long maxOutboxAgeSeconds, long maxOutboxDead, int maxEmailFailures) {
        public static final Readiness DEFAULTS = new Readiness(10_000, 900, 100, 5);
    }

    public static OpsSettings load(Map<String, String> env, Mode mode, Path dataDir) {
        List<String> problems = new ArrayList<>();
        String token = blankToNull(env.get("GATEHOUSE_OPS_TOKEN"));
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            problems.add("GATEHOUSE_OPS_TOKEN must be at least " + MIN_TOKEN_LENGTH + " characters (e.g. openssl rand -hex 32)");
        }
        if (token == null && mode == Mode.DEV) {
            token = DevEnvironment.opsToken(dataDir);
        }
        String dsn = blankToNull(env.get("SENTRY_DSN"));
        if (dsn != null && !dsn.matches("https?://[^@\\s/]+@[^\\s/]+(/[^\\s]*)?/[0-9]+/?")) {
            problems.add("SENTRY_DSN must look like https://<key>@<host>/<project id>, as Sentry's project settings show it");
        }
        String environment = blankToNull(env.get("SENTRY_ENVIRONMENT"));
        Readiness d = Readiness.DEFAULTS;
        Readiness readiness = new Readiness(
                number(env, "GATEHOUSE_READY_OUTBOX_MAX_DEPTH", d.maxOutboxDepth(), problems),
                number(env, "GATEHOUSE_READY_OUTBOX_MAX_AGE_SECONDS", d.maxOutboxAgeSeconds(), problems),
                number(env, "GATEHOUSE_READY_OUTBOX_MAX_DEAD", d.maxOutboxDead(), problems),
                (int) Math.min(number(env, "GATEHOUSE_READY_EMAIL_MAX_FAILURES", d.maxEmailFailures(), problems), Integer.MAX_VALUE));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new OpsSettings(token, dsn, environment != null ? environment : mode.name().toLowerCase(java.util.Locale.ROOT), readiness);
    }

    private static long number(Map<String, String> env, String name, long fallback, List<String> problems) {
        return (long) SettingValues.number(env, name, fallback, 1, Long.MAX_VALUE, problems);
    }

    private static String blankToNull(String s) {
        return SettingValues.blankToNull(s);
    }
}
