package dev.gatehouse.config;

import java.util.List;

/** Every configuration problem found at start, reported together, each naming its variable. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        this("Invalid configuration:", problems);
    }

    /** @param heading the first line, saying what cannot happen until the problems are fixed */
    public ConfigException(String heading, List<String> problems) {
        super(heading + "\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
