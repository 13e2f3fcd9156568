package io.dtm4j.server.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The text given for each key (environment first, then the YAML file over it), its conversion to
 * typed values, and the problems found on the way. Not thread-safe; used once per load.
 */
final class RawConfig {
    private static final Pattern DIGITS = Pattern.compile("[+-]?\\d+");

    private final Map<String, String> given = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private com.fasterxml.jackson.databind.JsonNode brokers;

    /** Records the text given for a key, replacing an earlier source. */
    void put(String key, String text) {
        given.put(key, text);
    }

    /** Records the {@code Brokers} mapping given (environment variable BROKERS or YAML), replacing an earlier one. */
    void brokers(com.fasterxml.jackson.databind.JsonNode node) {
        brokers = node;
    }

    /** The {@code Brokers} mapping given, or null. */
    com.fasterxml.jackson.databind.JsonNode brokers() {
        return brokers;
    }

    List<String> problems() {
        return problems;
    }

    /** Returns the text given for key, or def when none was given. */
    String string(String key, String def) {
        return given.getOrDefault(key, def);
    }

    /** Returns the items of a list key (comma-separated; a YAML list arrives joined), trimmed, none empty. */
    List<String> list(String key) {
        return java.util.Arrays.stream(string(key, "").split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .toList();
    }

    /** Returns the integer given for key (def when none), or null after reporting a bad one. */
    Long number(String key, long def) {
        String text = given.get(key);
        if (text == null) {
            return def;
        }
        String trimmed = text.trim();
        try {
            return Long.parseLong(trimmed.startsWith("+") ? trimmed.substring(1) : trimmed);
        } catch (NumberFormatException e) {
            problem(key, text, DIGITS.matcher(trimmed).matches() ? "out of range" : "not an integer");
            return null;
        }
    }

    /** Returns the integer given for key if at least min, or null after reporting it. */
    Long atLeast(String key, long def, long min, String rule) {
        return between(key, def, min, Long.MAX_VALUE, rule);
    }

    /** Returns the integer given for key if within [min, max], or null after reporting it. */
    Long between(String key, long def, long min, long max, String rule) {
        Long value = number(key, def);
        if (value != null && (value < min || value > max)) {
            problem(key, value, rule);
            return null;
        }
        return value;
    }

    /** Reports a problem: {@code Key (ENV_NAME) = value: rule}; text values are quoted, YAML nodes shown as JSON. */
    void problem(String key, Object value, String rule) {
        String shown = value instanceof String s ? '"' + s + '"' : String.valueOf(value);
        // a Brokers entry's settings all come from the one variable BROKERS
        String env = ConfigKeys.envName(key.startsWith(ConfigKeys.BROKERS + ".") ? ConfigKeys.BROKERS : key);
        problems.add("%s (%s) = %s: %s".formatted(key, env, shown, rule));
    }
}
