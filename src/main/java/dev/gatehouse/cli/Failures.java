package dev.gatehouse.cli;

import dev.gatehouse.ai.tasks.TaskDefinitionException;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.DataDirUnavailable;
import dev.gatehouse.db.DatabaseUnreachable;
import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed command into what a person reads: one or two plain lines and a distinct exit code.
 * The stack trace goes to the log at DEBUG, and to the terminal only with {@code --debug}.
 */
public final class Failures {
    private static final Logger log = LoggerFactory.getLogger(Failures.class);

    private Failures() {}

    public static int report(String command, RuntimeException e, boolean debug, PrintStream err) {
        ExitCode code = switch (e) {
            case Args.UsageException u -> ExitCode.USAGE;
            case ConfigException c -> ExitCode.CONFIG;
            case TaskDefinitionException t -> ExitCode.CONFIG;
            case StartFailure s -> s.exitCode();
            case DataDirUnavailable d -> d.reason() == DataDirUnavailable.Reason.LOCKED ? ExitCode.DATA_DIR_LOCKED : ExitCode.DATA_DIR_NOT_WRITABLE;
            case DatabaseUnreachable d -> ExitCode.DATABASE_UNREACHABLE;
            default -> ExitCode.UNEXPECTED;
        };
        String message = switch (code) {
            case USAGE -> command + ": " + e.getMessage();
            case UNEXPECTED -> command + " failed: " + e + (debug ? "" : "\n(run again with --debug to see the stack trace)");
            default -> e.getMessage();
        };
        err.println(message);
        if (debug) {
            e.printStackTrace(err);
        } else {
            log.debug("{} failed (exit {})", command, code.code(), e);
        }
        return code.code();
    }
}
