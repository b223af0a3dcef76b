package dev.gatehouse;

import dev.gatehouse.ai.tasks.TaskDefinitionException;
import dev.gatehouse.cli.Args;
import dev.gatehouse.cli.MigrateCommand;
import dev.gatehouse.cli.ServeCommand;
import dev.gatehouse.cli.StripeSyncCommand;
import dev.gatehouse.cli.StripeTriggerCommand;
import dev.gatehouse.cli.TokenCommand;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.EnvFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** {@code java -jar gatehouse.jar [serve|migrate|token|help] ...}. */
public final class Main {
    private static final String USAGE = """
            Usage: java -jar target/gatehouse.jar [command] [options]

            Commands:
              serve              run the service (default)
              migrate [--seed]   apply supabase/migrations to DATABASE_URL (or the dev database)
              token --email E    print an access token for a user, shaped like Supabase Auth's
              stripe sync        apply the Stripe events the webhook missed (Events API, last 3 days by default)
              stripe trigger S   send a signed, realistic Stripe event sequence to a running service
              help               this text

            Each command takes --help. Configuration comes from the environment and .env (see .env.example).
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, EnvFile.overlay(Path.of(".env"), System.getenv())));
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
        String command = argv.length == 0 || argv[0].startsWith("-") ? "serve" : argv[0];
        String[] rest = argv.length == 0 || argv[0].startsWith("-") ? argv : Arrays.copyOfRange(argv, 1, argv.length);
        try {
            return switch (command) {
                case "serve" -> new ServeCommand().run(Args.parse(rest), env);
                case "migrate" -> new MigrateCommand().run(Args.parse(rest), env);
                case "token" -> new TokenCommand().run(Args.parse(rest), env);
                case "stripe" -> stripe(rest, env);
                case "help", "--help", "-h" -> {
                    System.out.print(USAGE);
                    yield 0;
                }
                default -> {
                    System.err.println("unknown command '" + command + "'\n");
                    System.err.print(USAGE);
                    yield 2;
                }
            };
        } catch (Args.UsageException e) {
            System.err.println(command + ": " + e.getMessage());
            return 2;
        } catch (ConfigException | TaskDefinitionException e) {
            System.err.println(e.getMessage());
            return 78; // EX_CONFIG
        }
    }
}
