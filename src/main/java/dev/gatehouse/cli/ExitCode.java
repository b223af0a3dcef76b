package dev.gatehouse.cli;

/**
 * The process's exit codes, one per way a start can fail, so scripts and supervisors can tell them
 * apart. Listed in README ("Exit codes"). {@code 3} (JDK too old) is set by
 * {@code dev.gatehouse.launch.JavaVersionCheck}, which must not depend on this class.
 */
public enum ExitCode {
    OK(0),
    UNEXPECTED(1),
    USAGE(2),
    JDK_TOO_OLD(3),
    PORT_IN_USE(4),
    DATA_DIR_LOCKED(5),
    DATA_DIR_NOT_WRITABLE(6),
    DATABASE_UNREACHABLE(7),
    /** sysexits' EX_CONFIG, kept from the first releases. */
    CONFIG(78);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
