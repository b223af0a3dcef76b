package dev.gatehouse.launch;

import java.lang.reflect.InvocationTargetException;

/**
 * The jar's Main-Class. Compiled for Java 8 (its own compiler execution in pom.xml), so that
 * {@code java -jar target/gatehouse.jar} on an older JDK says what to install instead of failing with
 * {@code UnsupportedClassVersionError}. On Java 21+ it hands over to {@code dev.gatehouse.Main}, found
 * by name: a Java 8 class cannot be compiled against the Java 21 classes.
 */
public final class JavaVersionCheck {
    static final int REQUIRED = 21;
    /** cli.ExitCode.JDK_TOO_OLD; that enum is compiled for Java 21, so the number is repeated here. */
    static final int EXIT_JDK_TOO_OLD = 3;

    private JavaVersionCheck() {}

    public static void main(String[] args) throws Throwable {
        int major = major(System.getProperty("java.specification.version", "0"));
        if (major < REQUIRED) {
            System.err.println("Gatehouse needs Java " + REQUIRED + " or newer, but this is Java " + System.getProperty("java.version")
                    + " (" + System.getProperty("java.home") + ").");
            System.err.println("Install a JDK 21+ (for example Temurin 21 from https://adoptium.net), or start with ./gatehouse, which finds one.");
            System.exit(EXIT_JDK_TOO_OLD);
        }
        try {
            Class.forName("dev.gatehouse.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** "1.8" is 8, "17" is 17, "25" is 25. */
    static int major(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
