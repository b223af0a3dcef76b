package dev.gatehouse.cli;

import dev.gatehouse.auth.AccessTokenMinter;
import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.Settings;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code token --email E [--ttl 1h]}: prints one access token, shaped like Supabase Auth's. */
public final class TokenCommand {
    static final String HELP = """
            Usage: ./gatehouse token --email <email> [--ttl <duration>]

            Prints one line: an access token for that user with the claims Supabase Auth issues
            (sub, email, role and aud "authenticated", exp, iat, iss, session_id, aal, amr,
            app_metadata, user_metadata), signed HS256 with SUPABASE_JWT_SECRET.
            In dev mode the secret is the one kept in GATEHOUSE_DATA_DIR, and a user that does not
            exist yet is signed up first (its profile is created by the sign-up trigger).
            Elsewhere the user must already exist.

              --email   the user's email address (required)
              --ttl     lifetime: 90s, 15m, 1h, 7d or ISO-8601 (PT1H); default 1h, at most 7d
            """;
    static final Duration DEFAULT_TTL = Duration.ofHours(1);
    static final Duration MAX_TTL = Duration.ofDays(7); // Supabase's own jwt_expiry ceiling (604800 s)
    private static final Pattern SHORT = Pattern.compile("^(\\d+)([smhd])$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    public int run(Args args, Map<String, String> env) {
        if (args.help()) {
            System.out.print(HELP);
            return 0;
        }
        args.allow(Set.of("email", "ttl"));
        String email = requireEmail(args);
        Duration ttl = parseTtl(args.value("ttl"));
        Settings settings = Settings.load(env);
        boolean dev = settings.mode() == Mode.DEV;
        String secret = settings.jwtSecret() != null ? settings.jwtSecret() : dev ? DevEnvironment.jwtSecret(settings.dataDir()) : null;
        if (secret == null) {
            throw new ConfigException(List.of("SUPABASE_JWT_SECRET is required to sign tokens outside dev mode"));
        }
        String issuer = settings.jwtIssuer() != null ? settings.jwtIssuer() : ServeCommand.DEV_ISSUER;
        AccessTokenMinter minter = new AccessTokenMinter(secret, issuer);
        try {
            AuthUser user = DevEnvironment.withDatabase(settings, true, c -> {
                Optional<AuthUser> found = AuthUsers.byEmail(c, email);
                if (found.isPresent()) {
                    return found.get();
                }
                if (!dev) {
                    throw new Args.UsageException("no user with email " + email + " (users sign up through Supabase Auth)");
                }
                return AuthUsers.signUp(c, email);
            });
            System.out.println(minter.mint(user, ttl, Instant.now()));
            return 0;
        } catch (SQLException e) {
            System.err.println("token: database error: " + e.getMessage());
            return 1;
        }
    }

    static String requireEmail(Args args) {
        String email = args.value("email");
        if (email == null || !EMAIL.matcher(email).matches()) {
            throw new Args.UsageException("--email <address> is required and must be an email address");
        }
        return email;
    }

    static Duration parseTtl(String text) {
        return text == null ? DEFAULT_TTL : parseDuration(text, "--ttl", MAX_TTL, "7d");
    }

    /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d} or ISO-8601, more than 0 and at most {@code max}. */
    static Duration parseDuration(String text, String option, Duration max, String maxText) {
        Duration d;
        Matcher m = SHORT.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(text.strip());
            } catch (DateTimeParseException e) {
                throw new Args.UsageException(option + " must look like 90s, 15m, 1h, 7d or PT1H, got '" + text + "'");
            }
        }
        if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
            throw new Args.UsageException(option + " must be more than 0 and at most " + maxText + ", got '" + text + "'");
        }
        return d;
    }
}
