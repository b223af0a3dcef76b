package dev.gatehouse.cli;

import dev.gatehouse.auth.AuthUser;
import dev.gatehouse.auth.AuthUsers;
import dev.gatehouse.config.DevEnvironment;
import dev.gatehouse.config.Mode;
import dev.gatehouse.config.Settings;
import dev.gatehouse.quota.DevPlans;
import dev.gatehouse.quota.UsageSummary;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code dev plan --email E --plan P} and {@code dev reset-usage --email E}: trying plans in dev mode only. */
public final class DevCommand {
    static final String HELP = """
            Usage: ./gatehouse dev plan --email <email> --plan free|pro|enterprise
                   ./gatehouse dev reset-usage --email <email>

            Dev mode only (refused when GATEHOUSE_ENV is production or DATABASE_URL is set without
            GATEHOUSE_ENV=dev). Works on the running dev database, or starts it for the duration.

              plan          gives the user that plan through a real public.subscriptions row (status
                            active, current period from now for a month); free ends their subscriptions
              reset-usage   starts a fresh usage period: a paid plan's period restarts now, the free
                            plan's counters for this month are cleared
              --email       the user's email; in dev mode a new email is signed up first
            """;

    public int run(String[] argv, Map<String, String> env) {
        String sub = argv.length == 0 ? "--help" : argv[0];
        Args args = Args.parse(Arrays.copyOfRange(argv, Math.min(1, argv.length), argv.length));
        if (sub.equals("--help") || sub.equals("-h") || sub.equals("help") || args.help()) {
            System.out.print(HELP);
            return ExitCode.OK.code();
        }
        if (!sub.equals("plan") && !sub.equals("reset-usage")) {
            throw new Args.UsageException("unknown dev command '" + sub + "'; expected plan or reset-usage (see dev --help)");
        }
        args.allow(sub.equals("plan") ? Set.of("email", "plan") : Set.of("email"));
        String email = TokenCommand.requireEmail(args);
        String plan = args.value("plan");
        if (sub.equals("plan") && plan == null) {
            throw new Args.UsageException("--plan free|pro|enterprise is required");
        }
        Settings settings = Settings.load(env);
        if (settings.mode() != Mode.DEV) {
            throw new Args.UsageException("refused outside dev mode: in production, plans come only from Stripe subscriptions");
        }
        try {
            UsageSummary now = DevEnvironment.withDatabase(settings, true, c -> {
                AuthUser user = AuthUsers.byEmail(c, email).orElse(null);
                if (user == null) {
                    user = AuthUsers.signUp(c, email);
                }
                return sub.equals("plan") ? putOnPlan(c, user, plan) : DevPlans.resetUsage(c, user.id());
            });
            System.out.println(email + ": " + describe(now));
            return ExitCode.OK.code();
        } catch (SQLException e) {
            System.err.println("dev " + sub + ": database error: " + e.getMessage());
            return ExitCode.UNEXPECTED.code();
        }
    }

    private static UsageSummary putOnPlan(Connection c, AuthUser user, String plan) throws SQLException {
        List<String> plans = DevPlans.planIds(c);
        if (!plans.contains(plan)) {
            throw new Args.UsageException("unknown plan '" + plan + "'; plans: " + String.join(", ", plans));
        }
        return DevPlans.putOnPlan(c, user.id(), plan);
    }

    private static String describe(UsageSummary s) {
        String requests = s.requestsLimit() == null ? s.requestsUsed() + " requests used (unlimited)"
                : s.requestsUsed() + " of " + s.requestsLimit() + " requests used";
        return "plan " + s.planId() + ", period " + s.periodStart() + " to " + s.periodEnd() + ", " + requests
                + ", " + s.requestsPerMinute() + " per minute";
    }
}
