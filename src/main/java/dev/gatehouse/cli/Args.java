package dev.gatehouse.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options of one subcommand. */
public record Args(Map<String, String> values, Set<String> flags) {

    /** Wrong use of a command; printed with the command's name, exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    public static Args parse(String[] argv) {
        Map<String, String> values = new HashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq > 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                values.put(name, argv[++i]);
            } else {
                flags.add(name);
            }
        }
        return new Args(Map.copyOf(values), Set.copyOf(flags));
    }

    public boolean help() {
        return flags.contains("help");
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public String value(String name) {
        return values.get(name);
    }

    /** Refuses options the command does not know, so a typo is not silently ignored. */
    public Args allow(Set<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new UsageException("unknown option --" + k);
            }
        }
        for (String k : flags) {
            if (!known.contains(k) && !k.equals("help")) {
                throw new UsageException("unknown option --" + k);
            }
        }
        return this;
    }
}
