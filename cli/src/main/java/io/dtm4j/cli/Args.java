package io.dtm4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options and positional arguments of one command. Options are {@code --name value}, {@code
 * --name=value} or flags {@code --name}; they may come before, between or after the positionals;
 * everything after {@code --} is positional (a gid starting with a dash).
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positionals = new ArrayList<>();

    private Args() {}

    /**
     * Parses {@code tokens}; {@code valued} are the options taking a value, {@code flagNames} those
     * that do not. Anything else starting with a dash is a usage error.
     */
    static Args parse(List<String> tokens, Set<String> valued, Set<String> flagNames) {
        Args a = new Args();
        boolean onlyPositionals = false;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (onlyPositionals || !t.startsWith("-") || t.equals("-")) {
                a.positionals.add(t);
                continue;
            }
            if (t.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            int eq = t.indexOf('=');
            String name = eq > 0 ? t.substring(0, eq) : t;
            String inline = eq > 0 ? t.substring(eq + 1) : null;
            if (valued.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= tokens.size()) {
                        throw Failure.usage("option " + name + " needs a value");
                    }
                    inline = tokens.get(++i);
                }
                a.values.put(name, inline);
            } else if (flagNames.contains(name)) {
                if (inline != null) {
                    throw Failure.usage("option " + name + " takes no value");
                }
                a.flags.add(name);
            } else {
                throw Failure.usage("unknown option " + name);
            }
        }
        return a;
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    List<String> positionals() {
        return positionals;
    }

    /** Returns positional {@code index}, named {@code what} in the usage error when it is missing. */
    String positional(int index, String what) {
        if (index >= positionals.size()) {
            throw Failure.usage("missing " + what);
        }
        return positionals.get(index);
    }

    /** Fails when there are more than {@code max} positionals. */
    Args atMost(int max) {
        if (positionals.size() > max) {
            throw Failure.usage("unexpected argument '" + positionals.get(max) + "'");
        }
        return this;
    }

    /** Returns the positionals from {@code from} on, at least one, named {@code what} when missing. */
    List<String> atLeastOne(int from, String what) {
        if (positionals.size() <= from) {
            throw Failure.usage("missing " + what);
        }
        return positionals.subList(from, positionals.size());
    }

    /** Returns option {@code name} as a number of at least 1, or {@code otherwise}. */
    int positiveInt(String name, int otherwise) {
        String v = values.get(name);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the usage error below
        }
        throw Failure.usage("option " + name + " needs a whole number of at least 1, not '" + v + "'");
    }
}
