package io.dtm4j.server.config;

import java.util.List;

/**
 * The configuration cannot be used. {@link #problems()} lists every problem found, one line each,
 * naming the YAML key, the environment variable, the value given and the rule it breaks.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem, Throwable cause) {
        super(message(List.of(problem)), cause);
        this.problems = List.of(problem);
    }

    /** Returns the problems found, in the order the keys were checked. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.size() == 1) {
            return "invalid configuration: " + problems.get(0);
        }
        return "invalid configuration, " + problems.size() + " problems:\n  " + String.join("\n  ", problems);
    }
}
