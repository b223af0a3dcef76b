package dev.gatehouse.config;

import dev.gatehouse.db.DatabaseUrl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the service reads from its environment, read once at start and validated as a whole.
 *
 * @param databaseUrl null in dev mode without {@code DATABASE_URL}: the embedded database is used
 * @param jwtSecret   the legacy HS256 secret; in dev mode without one, a secret kept in the data dir
 * @param supabaseUrl base URL of the Supabase project, used for JWKS; null when only HS256 is used
 * @param jwtIssuer   expected {@code iss}; null skips the issuer check
 * @param corsOrigins browser origins allowed to call the service ({@code CORS_ORIGINS})
 * @param edge        the HTTP edge's own protection: per-IP limit, trusted proxies, HSTS
 */
public record Settings(
        Mode mode,
        Path dataDir,
        DatabaseUrl databaseUrl,
        String bindHost,
        int port,
        String jwtSecret,
        String supabaseUrl,
        String jwtIssuer,
        int dbPoolSize,
        CorsOrigins corsOrigins,
        EdgeSettings edge) {

    static final int MIN_SECRET_LENGTH = 32;
    /** The JWT secret every local {@code supabase start} stack signs with: published, so never a production secret. */
    static final String SUPABASE_CLI_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

    public boolean embeddedDatabase() {
        return databaseUrl == null;
    }

    /** Reads and validates; throws {@link ConfigException} listing every problem at once. */
    public static Settings load(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        String dbUrlText = blankToNull(env.get("DATABASE_URL"));
        Mode mode = mode(env, dbUrlText != null, problems);

        DatabaseUrl databaseUrl = null;
        if (dbUrlText != null) {
            try {
                databaseUrl = DatabaseUrl.parse(dbUrlText);
            } catch (IllegalArgumentException e) {
                problems.add("DATABASE_URL " + e.getMessage());
            }
        } else if (mode == Mode.PRODUCTION) {
            problems.add("DATABASE_URL is required in production (the Supabase connection string, through Supavisor)");
        }

        Path dataDir = Path.of(env.getOrDefault("GATEHOUSE_DATA_DIR", ".gatehouse")).toAbsolutePath().normalize();
        int port = SettingValues.wholeNumber(env, "GATEHOUSE_PORT", 8787, 0, 65535, problems);
        int pool = SettingValues.wholeNumber(env, "DB_POOL_SIZE", 10, 1, 500, problems);

        String bindHost = blankToNull(env.get("GATEHOUSE_BIND"));
        if (mode == Mode.DEV) {
            if (bindHost != null && !isLoopback(bindHost)) {
                problems.add("GATEHOUSE_BIND must be a loopback address in dev mode (dev secrets and the dev model must never be reachable from a network), got '" + bindHost + "'");
            }
            bindHost = "127.0.0.1";
        } else if (bindHost == null) {
            bindHost = "0.0.0.0";
        }

        String secret = blankToNull(env.get("SUPABASE_JWT_SECRET"));
        String supabaseUrl = stripTrailingSlash(blankToNull(env.get("SUPABASE_URL")));
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_LENGTH) {
            problems.add("SUPABASE_JWT_SECRET must be at least " + MIN_SECRET_LENGTH + " bytes (HS256 keys shorter than the hash are weak)");
        }
        if (secret != null && mode == Mode.PRODUCTION && secret.equals(SUPABASE_CLI_JWT_SECRET)) {
            problems.add("SUPABASE_JWT_SECRET is the Supabase CLI's public local-development secret; use your project's secret, or SUPABASE_URL for the JWKS");
        }
        if (supabaseUrl != null && !supabaseUrl.matches("https?://[^\\s/]+(/.*)?")) {
            problems.add("SUPABASE_URL must be an http(s) URL such as https://<ref>.supabase.co");
        }
        if (mode == Mode.PRODUCTION) {
            if (secret == null && supabaseUrl == null) {
                problems.add("SUPABASE_URL (for the JWKS) or SUPABASE_JWT_SECRET (legacy HS256) is required in production to verify access tokens");
            }
            if (supabaseUrl != null && supabaseUrl.startsWith("http://") && !isLoopbackUrl(supabaseUrl)) {
                problems.add("SUPABASE_URL must use https in production");
            }
        }
        String issuer = blankToNull(env.get("SUPABASE_JWT_ISSUER"));
        if (issuer == null && supabaseUrl != null) {
            issuer = supabaseUrl + "/auth/v1";
        }

        CorsOrigins cors = CorsOrigins.parse(blankToNull(env.get(CorsOrigins.VARIABLE)), mode, problems);
        EdgeSettings edge = EdgeSettings.load(env, mode, problems);

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Settings(mode, dataDir, databaseUrl, bindHost, port, secret, supabaseUrl, issuer, pool, cors, edge);
    }

    /** The same settings with the JWT secret filled in (dev mode's generated secret). */
    public Settings withJwtSecret(String secret) {
        return new Settings(mode, dataDir, databaseUrl, bindHost, port, secret, supabaseUrl, jwtIssuer, dbPoolSize, corsOrigins, edge);
    }

    /** The same settings pointing at a concrete database (dev mode, once the embedded one runs). */
    public Settings withDatabase(DatabaseUrl url) {
        return new Settings(mode, dataDir, url, bindHost, port, jwtSecret, supabaseUrl, jwtIssuer, dbPoolSize, corsOrigins, edge);
    }

    /**
     * {@code GATEHOUSE_ENV} (and its older name {@code GATEHOUSE_MODE}): {@code production} or {@code dev}
     * ({@code development} too). Unset: dev without {@code DATABASE_URL}, production with it. An unknown
     * value, or the two names disagreeing, is a problem and the stricter mode is assumed, so every
     * production check still reports.
     */
    public static Mode mode(Map<String, String> env, boolean databaseUrlSet, List<String> problems) {
        Mode byEnv = modeNamed(env, "GATEHOUSE_ENV", problems);
        Mode byMode = modeNamed(env, "GATEHOUSE_MODE", problems);
        if (byEnv != null && byMode != null && byEnv != byMode) {
            problems.add("GATEHOUSE_ENV and GATEHOUSE_MODE disagree ('" + env.get("GATEHOUSE_ENV") + "' and '" + env.get("GATEHOUSE_MODE") + "'); set GATEHOUSE_ENV only");
            return Mode.PRODUCTION;
        }
        Mode chosen = byEnv != null ? byEnv : byMode;
        return chosen != null ? chosen : databaseUrlSet ? Mode.PRODUCTION : Mode.DEV;
    }

    private static Mode modeNamed(Map<String, String> env, String name, List<String> problems) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return null;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "dev", "development" -> Mode.DEV;
            case "production", "prod" -> Mode.PRODUCTION;
            default -> {
                problems.add(name + " must be 'dev' or 'production', got '" + v + "'");
                yield Mode.PRODUCTION;
            }
        };
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    private static boolean isLoopbackUrl(String url) {
        String host = url.replaceFirst("^https?://", "").replaceFirst("[:/].*$", "");
        return isLoopback(host);
    }

    private static String stripTrailingSlash(String s) {
        return s == null ? null : s.replaceAll("/+$", "");
    }

    static String blankToNull(String s) {
        return SettingValues.blankToNull(s);
    }
}
