package io.dtm4j.faults.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic adversarial values for the fuzz properties: each case draws from its own {@link
 * SplittableRandom} seeded from the run seed, the property and the case number, so a failing case
 * is replayed by running the same seed again, whatever ran before it.
 *
 * <p>Every URL it produces points at 127.0.0.1 port 1 (refused at once) or is no URL at all: a
 * fuzzed transaction must never make the server call out of this machine.
 */
final class Gen {
    /** URLs a generated transaction may carry: loopback, refused, or malformed without a host. */
    static final List<String> URLS = List.of(
            "http://127.0.0.1:1/api/busi/TransOut",
            "http://127.0.0.1:1/api/busi/TransIn?x=%zz&y=\u00e9",
            "http://127.0.0.1:1/\u202e\ud83d\ude00",
            "http://127.0.0.1:1/api/json-rpc?method=TransIn",
            "127.0.0.1:1/busi.Busi/TransIn",
            "http://",
            "",
            "::::",
            "topic://fuzz-topic",
            "topic://");

    private static final List<String> ODD = List.of(
            "",
            " ",
            "\u0000",
            "\ufeff",
            "\ud83d\ude00\ud83d\udca5",
            "\ud800",
            "\udc00x",
            "\u202e\u0645\u0631\u062d\u0628\u0627",
            "e\u0301\u0301\u0301",
            "\u2028\u2029",
            "a;b\nc\rd",
            ";;;",
            "\n",
            "\"quoted\\\"",
            "\\u0000",
            "' OR 1=1 --",
            "%00%ff",
            "FAILURE",
            "ONGOING",
            "SUCCESS",
            "null",
            "{\"dtm_result\":\"FAILURE\"}",
            "\u00ff\u00fe",
            "\uffff\ufffe",
            "../../etc/passwd",
            "<script>alert(1)</script>");

    /** Number texts JSON allows (or almost allows) that strain 64-bit and double parsing. */
    private static final List<String> NUMBERS = List.of(
            "0",
            "-0",
            "-1",
            "1",
            "0.5",
            "-1.5e3",
            "1e309",
            "-1e309",
            "1e-400",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "4611686018427387904",
            "31536000000",
            "1" + "0".repeat(400),
            "2147483648",
            "1E18");

    final SplittableRandom r;

    Gen(long seed) {
        this.r = new SplittableRandom(seed);
    }

    /** Returns the seed of case {@code i} of property {@code name} under run seed {@code seed}. */
    static long caseSeed(long seed, String name, int i) {
        return seed * 1_000_003L + name.hashCode() * 7919L + i;
    }

    boolean chance(int percent) {
        return r.nextInt(100) < percent;
    }

    int between(int min, int maxInclusive) {
        return min + r.nextInt(maxInclusive - min + 1);
    }

    <T> T pick(List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    String url() {
        return pick(URLS);
    }

    /** A string a client might send anywhere: short, odd Unicode, long, or huge. */
    String string() {
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> pick(ODD);
            case 3 -> pick(ODD) + ascii(between(1, 10)) + pick(ODD);
            case 4 -> "x".repeat(between(100, 2000));
            case 5 -> pick(ODD).repeat(between(10, 500));
            case 6 -> ascii(between(1, 40));
            case 7 -> unicode(between(1, 40));
            case 8 -> chance(10) ? "y".repeat(between(100_000, 600_000)) : ascii(between(0, 5));
            default -> String.valueOf(r.nextLong());
        };
    }

    String ascii(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) between(0x20, 0x7e));
        }
        return b.toString();
    }

    /** Random code points from all planes, lone surrogates included. */
    String unicode(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int cp = chance(20) ? between(0xd800, 0xdfff) : between(0, 0x10ffff);
            if (cp >= 0xd800 && cp <= 0xdfff) {
                b.append((char) cp);
            } else {
                b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    String number() {
        return pick(NUMBERS);
    }

    /** A gid: mostly from a small pool (so requests collide), sometimes odd, empty or too long. */
    String gid(String prefix, int pool) {
        return switch (r.nextInt(12)) {
            case 0 -> "";
            case 1 -> prefix + "-" + "g".repeat(between(120, 140));
            case 2 -> prefix + ";\n\r" + r.nextInt(pool);
            case 3 -> prefix + "-" + pick(ODD) + r.nextInt(pool);
            case 4 -> ";\n;";
            default -> prefix + "-" + r.nextInt(pool);
        };
    }

    /** Any JSON text: scalars, odd strings, huge numbers, arrays and objects, {@code depth} deep at most. */
    String json(int depth) {
        int kind = r.nextInt(depth <= 0 ? 5 : 7);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> number();
            case 3, 4 -> Json.quote(string());
            case 5 -> {
                StringBuilder b = new StringBuilder("[");
                int n = between(0, 4);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : ",").append(json(depth - 1));
                }
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                int n = between(0, 4);
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : ",")
                            .append(Json.quote(chance(50) ? pick(TRANS_KEYS) : string()))
                            .append(':')
                            .append(json(depth - 1));
                }
                yield b.append('}').toString();
            }
        };
    }

    /** JSON nested {@code n} levels deep, closed or not. */
    String deep() {
        int n = between(500, 60_000);
        boolean arrays = r.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        StringBuilder b = new StringBuilder(n * open.length() * 2);
        b.append(open.repeat(n)).append("1");
        if (chance(70)) {
            b.append(close.repeat(n));
        }
        return b.toString();
    }

    /** The keys of a transaction body (docs/protocol.md §3.2), for mutations and unknown-key mixes. */
    static final List<String> TRANS_KEYS = List.of(
            "gid",
            "trans_type",
            "steps",
            "payloads",
            "custom_data",
            "query_prepared",
            "protocol",
            "wait_result",
            "timeout_to_fail",
            "request_timeout",
            "retry_interval",
            "branch_headers",
            "concurrent",
            "retry_limit",
            "retry_count",
            "rollback_reason",
            "req_extra",
            "passthrough_headers",
            "bin_payloads",
            "status",
            "owner",
            "id",
            "create_time",
            "next_cron_time");

    static final List<String> TYPES = List.of("saga", "msg", "tcc", "xa", "workflow");

    /** A valid transaction of a random type, as a mutable map of JSON texts (key → value text). */
    Map<String, String> transaction(String gid, String type) {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("gid", Json.quote(gid));
        t.put("trans_type", Json.quote(type));
        if (type.equals("saga") || type.equals("msg")) {
            int steps = between(0, 4);
            List<String> st = new ArrayList<>();
            List<String> pl = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                String action = type.equals("msg") && chance(20) ? "topic://fuzz-topic" : url();
                st.add(
                        type.equals("saga")
                                ? "{\"action\":" + Json.quote(action) + ",\"compensate\":" + Json.quote(url()) + "}"
                                : "{\"action\":" + Json.quote(action) + "}");
                pl.add(Json.quote(chance(70) ? "{\"amount\":30}" : string()));
            }
            t.put("steps", "[" + String.join(",", st) + "]");
            t.put("payloads", "[" + String.join(",", pl) + "]");
            if (type.equals("saga") && chance(30)) {
                t.put("custom_data", Json.quote("{\"concurrent\":true,\"orders\":{\"1\":[0]}}"));
            }
            if (type.equals("msg")) {
                t.put("query_prepared", Json.quote(url()));
                if (chance(30)) {
                    t.put("custom_data", Json.quote("{\"delay\":" + number() + "}"));
                }
            }
        }
        if (type.equals("workflow")) {
            t.put("query_prepared", Json.quote(url()));
            t.put("custom_data", Json.quote("{\"name\":\"wf\",\"data\":\"eyJhIjoxfQ==\"}"));
            if (chance(50)) {
                t.put(
                        "req_extra",
                        "{\"status\":" + Json.quote(pick(List.of("succeed", "failed", "prepared", "x", "")))
                                + ",\"result\":" + Json.quote(string()) + "}");
            }
        }
        t.put("protocol", Json.quote(pick(List.of("", "http", "grpc", "json-rpc", "HTTP", "smtp"))));
        t.put("concurrent", chance(20) ? "true" : "false");
        if (chance(30)) {
            t.put("wait_result", "true");
        }
        for (String k : List.of("timeout_to_fail", "request_timeout", "retry_interval", "retry_limit", "retry_count")) {
            if (chance(15)) {
                t.put(k, number());
            }
        }
        if (chance(15)) {
            t.put("branch_headers", "{" + Json.quote(string()) + ":" + Json.quote(string()) + "}");
        }
        if (chance(20)) {
            t.put("rollback_reason", Json.quote(string()));
        }
        return t;
    }

    /** How a body was damaged: {@code invalid} when no documented server may accept it. */
    record Body(String text, boolean invalid, String mutation) {}

    /**
     * Returns the map as a JSON object after 0–3 mutations: wrong types, unknown and duplicate
     * keys, odd key case, dropped keys; then maybe a whole-body damage (truncation, wrong root,
     * deep nesting, garbage).
     */
    Body mutate(Map<String, String> t) {
        List<String> done = new ArrayList<>();
        // keys (lower case: the server reads keys case-insensitively) whose value is a type error, and
        // keys repeated at the end of the object, whose last value wins (docs/protocol.md §2.1)
        java.util.Set<String> bad = new java.util.HashSet<>();
        java.util.Set<String> repeated = new java.util.HashSet<>();
        List<String> extra = new ArrayList<>();
        int n = between(0, 3);
        for (int i = 0; i < n; i++) {
            String key = pick(new ArrayList<>(t.keySet().isEmpty() ? List.of("gid") : t.keySet()));
            switch (r.nextInt(9)) {
                case 0 -> {
                    t.remove(key);
                    bad.remove(key.toLowerCase());
                    done.add("drop " + key);
                }
                case 1 -> {
                    // an object or array where the type wants a scalar (or the reverse) is a type error
                    String v = chance(50) ? "{\"x\":" + json(1) + "}" : "[" + json(1) + "]";
                    t.put(key, v);
                    done.add(key + "=" + abbreviate(v));
                    String k = key.toLowerCase();
                    if (scalarKey(k) && !(v.startsWith("[") && k.equals("steps"))) {
                        bad.add(k);
                    } else {
                        bad.remove(k);
                    }
                }
                case 2 -> {
                    String v = json(2);
                    t.put(key, v);
                    bad.remove(key.toLowerCase());
                    done.add(key + "=" + abbreviate(v));
                }
                case 3 -> {
                    String k = chance(50) ? pick(TRANS_KEYS) : string();
                    extra.add(Json.quote(k) + ":" + json(2));
                    repeated.add(k.toLowerCase());
                    done.add("extra key");
                }
                case 4 -> {
                    extra.add(Json.quote(key) + ":" + json(1));
                    repeated.add(key.toLowerCase());
                    done.add("duplicate " + key);
                }
                case 5 -> {
                    String v = t.remove(key);
                    String upper = key.toUpperCase();
                    t.put(upper, v == null ? "null" : v);
                    done.add("case " + upper);
                }
                case 6 -> {
                    t.put(key, number());
                    bad.remove(key.toLowerCase());
                    done.add(key + "=number");
                }
                case 7 -> {
                    t.put(key, Json.quote(string()));
                    bad.remove(key.toLowerCase());
                    done.add(key + "=string");
                }
                default -> {
                    if (t.containsKey("payloads") && t.containsKey("steps")) {
                        t.put(
                                "payloads",
                                "[" + Json.quote("extra") + (t.get("payloads").equals("[]") ? "" : ",")
                                        + t.get("payloads").substring(1));
                        done.add("payload count");
                    }
                }
            }
        }
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (var e : t.entrySet()) {
            b.append(first ? "" : ",")
                    .append(Json.quote(e.getKey()))
                    .append(':')
                    .append(e.getValue());
            first = false;
        }
        for (String x : extra) {
            b.append(first ? "" : ",").append(x);
            first = false;
        }
        String text = b.append('}').toString();
        bad.removeAll(repeated);
        boolean invalid = !bad.isEmpty();
        switch (r.nextInt(14)) {
            case 0 -> {
                int cut = r.nextInt(Math.max(1, text.length() - 1));
                return new Body(text.substring(0, cut), true, "truncated at " + cut);
            }
            case 1 -> {
                return new Body("[" + text + "]", true, "array root");
            }
            case 2 -> {
                return new Body(deep(), true, "deep");
            }
            case 3 -> {
                String garbage = pick(List.of("", "null", "\"x\"", "42", "{", "}", "{\"gid\":}", "\u0000", "\ufeff{}"));
                return new Body(garbage, !garbage.equals("\ufeff{}"), "garbage");
            }
            default -> {
                return new Body(text, invalid, String.join("; ", done));
            }
        }
    }

    private static boolean scalarKey(String key) {
        return switch (key) {
            case "gid", "trans_type", "custom_data", "query_prepared", "protocol", "rollback_reason" -> true;
            case "wait_result", "timeout_to_fail", "request_timeout", "retry_interval", "concurrent" -> true;
            case "retry_limit", "retry_count" -> true;
            default -> false;
        };
    }

    static String abbreviate(String s) {
        return abbreviate(s, 80);
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
    }
}
