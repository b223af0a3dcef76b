package dev.gatehouse;

import dev.gatehouse.cli.Args;
import dev.gatehouse.cli.DevCommand;
import dev.gatehouse.cli.ExitCode;
import dev.gatehouse.cli.Failures;
import dev.gatehouse.cli.LogFormat;
import dev.gatehouse.cli.LogLevel;
import dev.gatehouse.cli.MailCommand;
import dev.gatehouse.cli.MigrateCommand;
import dev.gatehouse.cli.ServeCommand;
import dev.gatehouse.cli.StripeSyncCommand;
import dev.gatehouse.cli.StripeTriggerCommand;
import dev.gatehouse.cli.TokenCommand;
import dev.gatehouse.config.EnvFile;
import dev.gatehouse.web.IoPollers;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code ./gatehouse [command] ...} (or {@code java -jar target/gatehouse.jar}). The jar's manifest starts
 * {@code dev.gatehouse.launch.JavaVersionCheck}, which says so on a JDK older than 21 and then calls {@link #main}.
 */
public final class Main {
    private static final String USAGE = """
            Usage: ./gatehouse [command] [options]      (or: java -jar target/gatehouse.jar ...)

            Commands:
              serve              run the service (default)
              migrate [--seed]   apply supabase/migrations to DATABASE_URL (or the dev database)
              token --email E    print an access token for a user, shaped like Supabase Auth's
              dev plan --email E --plan free|pro|enterprise
                                 dev mode: put a user on a plan (a subscription with a current period)
              dev reset-usage --email E
                                 dev mode: start a fresh usage period for a user
              stripe sync        apply the Stripe events the webhook missed (Events API, last 3 days by default)
              stripe trigger S   send a signed, realistic Stripe event sequence to a running service
              mail [--limit N]   list the latest emails in the dev mailbox
              test               (./gatehouse only) run the whole test suite: ./mvnw verify
              help, --help, -h   this text

            Each command takes --help. --debug prints the stack trace of a failure.
            Configuration comes from the environment and .env (see .env.example).
            """;

    private Main() {}

    public static void main(String[] argv) {
        IoPollers.preferPlatformThreads(); // before any virtual thread blocks on a socket
        Map<String, String> env = EnvFile.overlay(Path.of(".env"), System.getenv());
        try {
            LogFormat.apply(env);
        } catch (RuntimeException e) {
            System.exit(Failures.report("serve", e, false, System.err));
        }
        System.exit(run(argv, env));
    }

    /** {@code stripe sync [...]} and {@code stripe trigger <scenario> [...]}: the subcommand and scenario are positional. */
    private static int stripe(String[] rest, Map<String, String> env) {
        String sub = rest.length == 0 ? "" : rest[0];
        return switch (sub) {
            case "sync" -> new StripeSyncCommand().run(Args.parse(Arrays.copyOfRange(rest, 1, rest.length)), env);
            case "trigger" -> {
                boolean named = rest.length > 1 && !rest[1].startsWith("--");
                yield new StripeTriggerCommand().run(named ? rest[1] : null, Args.parse(Arrays.copyOfRange(rest, named ? 2 : 1, rest.length)), env);
            }
            default -> throw new Args.UsageException("use 'stripe sync' or 'stripe trigger <scenario>' (each takes --help)");
        };
    }

    static int run(String[] argv, Map<String, String> env) {
        boolean debug = Arrays.asList(argv).contains("--debug");
        String[] args = Arrays.stream(argv).filter(a -> !a.equals("--debug")).toArray(String[]::new);
        boolean topLevelHelp = args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"));
        boolean implicitServe = args.length == 0 || args[0].startsWith("-") && !topLevelHelp;
        String command = topLevelHelp ? "help" : implicitServe ? "serve" : args[0];
        String[] rest = implicitServe ? args : Arrays.copyOfRange(args, 1, args.length);
        try {
            LogLevel.apply(env);
            return switch (command) {
                case "serve" -> new ServeCommand().run(Args.parse(rest), env);
                case "migrate" -> new MigrateCommand().run(Args.parse(rest), env);
                case "token" -> new TokenCommand().run(Args.parse(rest), env);
                case "stripe" -> stripe(rest, env);
                case "mail" -> new MailCommand().run(Args.parse(rest), env);
                case "dev" -> new DevCommand().run(rest, env);
                case "help" -> {
                    System.out.print(USAGE);
                    yield ExitCode.OK.code();
                }
                default -> {
                    System.err.println("unknown command '" + command + "'\n");
                    System.err.print(USAGE);
                    yield ExitCode.USAGE.code();
                }
            };
        } catch (RuntimeException e) {
            return Failures.report(command, e, debug, System.err);
        }
    }
}
