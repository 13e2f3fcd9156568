package io.dtm4j.protocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The W3C trace context (traceparent, tracestate) a transaction keeps from the call that created it
 * and sends on every branch call. An invalid traceparent is dropped, as the W3C specification asks;
 * a tracestate goes only with a valid traceparent.
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** version-traceid-parentid-flags; version ff and all-zero ids are invalid (checked below). */
    private static final Pattern PARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private static final int MAX_STATE = 512;

    private TraceContext() {}

    /** Returns the valid trace headers among those {@code header} answers by name; empty when none. */
    public static Map<String, String> from(Function<String, String> header) {
        String parent = header.apply(TRACEPARENT);
        if (parent == null || !valid(parent.trim())) {
            return Map.of();
        }
        Map<String, String> context = new LinkedHashMap<>();
        context.put(TRACEPARENT, parent.trim());
        String state = header.apply(TRACESTATE);
        if (state != null && !state.isBlank() && state.length() <= MAX_STATE) {
            context.put(TRACESTATE, state.trim());
        }
        return context;
    }

    /** Returns the trace id of a context {@link #from} returned, or null when it is empty. */
    public static String traceId(Map<String, String> context) {
        String parent = context.get(TRACEPARENT);
        return parent == null ? null : parent.substring(3, 35);
    }

    private static boolean valid(String parent) {
        return PARENT.matcher(parent).matches()
                && !parent.startsWith("ff")
                && !parent.substring(3, 35).equals("0".repeat(32))
                && !parent.substring(36, 52).equals("0".repeat(16));
    }
}
