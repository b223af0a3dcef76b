package dev.gatehouse.cli;

/** A start-up failure the command line explains in one or two plain lines, with its own exit code. */
public final class StartFailure extends RuntimeException {
    private final ExitCode exitCode;

    public StartFailure(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
