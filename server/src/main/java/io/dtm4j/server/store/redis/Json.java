package io.dtm4j.server.store.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.StoreException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of globals, branch ops and kv entries as dtm's Redis store keeps them (field names and
 * omissions of dtm's structs, times in RFC 3339 with the server's offset and up to nanoseconds). A
 * written object always starts with {@code {"id":0}: the scripts put the real id there.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    /** dtm's option fields that its Redis JSON also carries at the top level. */
    private static final Set<String> OPTION_FIELDS = Set.of(
            "wait_result",
            "timeout_to_fail",
            "request_timeout",
            "retry_interval",
            "branch_headers",
            "passthrough_headers",
            "retry_limit",
            "retry_count",
            "concurrent");

    private Json() {}

    static String time(Instant t) {
        return RFC3339.format(t.atZone(ZoneId.systemDefault()).toOffsetDateTime());
    }

    /** Unix seconds with nanoseconds, as a Redis sorted-set score (dtm's schedule is in seconds). */
    static String score(Instant t) {
        String nanos = Integer.toString(t.getNano());
        return t.getEpochSecond() + "." + "0".repeat(9 - nanos.length()) + nanos;
    }

    static String global(GlobalTrans g) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", 0);
        putTime(n, "create_time", g.createTime(), true);
        putTime(n, "update_time", g.updateTime(), true);
        putText(n, "gid", g.gid());
        putText(n, "trans_type", g.transType().wire());
        putText(n, "status", g.status().wire());
        putText(n, "query_prepared", g.queryPrepared());
        putText(n, "protocol", g.protocol());
        putTime(n, "finish_time", g.finishTime(), false);
        putTime(n, "rollback_time", g.rollbackTime(), false);
        putText(n, "result", g.result());
        putText(n, "rollback_reason", g.rollbackReason());
        putText(n, "options", g.options());
        putText(n, "custom_data", g.customData());
        if (g.nextCronInterval() != 0) {
            n.put("next_cron_interval", g.nextCronInterval());
        }
        putTime(n, "next_cron_time", g.nextCronTime(), false);
        putText(n, "owner", g.owner());
        putText(n, "ext_data", g.extData());
        boolean concurrent = false;
        JsonNode options = parseOrNull(g.options());
        if (options instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (OPTION_FIELDS.contains(e.getKey()) && !e.getKey().equals("concurrent")) {
                    n.set(e.getKey(), e.getValue());
                }
            }
            concurrent = o.path("concurrent").asBoolean(false);
        }
        n.put("concurrent", concurrent);
        return write(n);
    }

    static GlobalTrans global(String json) {
        JsonNode n = parse(json);
        String options = text(n, "options");
        if (options.isEmpty()) {
            options = legacyOptions(n);
        }
        return new GlobalTrans(
                n.path("id").asLong(),
                text(n, "gid"),
                TransType.fromWire(text(n, "trans_type"))
                        .orElseThrow(() -> new StoreException("unknown trans_type in the store: " + json)),
                status(text(n, "status"), json),
                text(n, "query_prepared"),
                text(n, "protocol"),
                time(n, "create_time"),
                time(n, "update_time"),
                time(n, "finish_time"),
                time(n, "rollback_time"),
                options,
                text(n, "custom_data"),
                n.path("next_cron_interval").asLong(),
                time(n, "next_cron_time"),
                text(n, "owner"),
                text(n, "ext_data"),
                text(n, "result"),
                text(n, "rollback_reason"));
    }

    /** Options of a global written without an {@code options} text: from its top-level fields. */
    private static String legacyOptions(JsonNode n) {
        ObjectNode o = MAPPER.createObjectNode();
        for (String f : OPTION_FIELDS) {
            if (n.has(f) && !n.get(f).isNull()) {
                o.set(f, n.get(f));
            }
        }
        return o.isEmpty() ? "" : write(o);
    }

    static String branch(String gid, BranchOp b) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", 0);
        putTime(n, "create_time", b.createTime(), true);
        putTime(n, "update_time", b.updateTime(), true);
        putText(n, "gid", gid);
        putText(n, "url", b.url());
        if (b.binData().length > 0) {
            n.put("bin_data", Base64.getEncoder().encodeToString(b.binData()));
        }
        putText(n, "branch_id", b.branchId());
        putText(n, "op", b.op());
        putText(n, "status", b.status().wire());
        putTime(n, "finish_time", b.finishTime(), false);
        putTime(n, "rollback_time", b.rollbackTime(), false);
        return write(n);
    }

    static BranchOp branch(String json) {
        JsonNode n = parse(json);
        String bin = text(n, "bin_data");
        return new BranchOp(
                n.path("id").asLong(),
                text(n, "gid"),
                text(n, "url"),
                bin.isEmpty() ? new byte[0] : Base64.getDecoder().decode(bin),
                text(n, "branch_id"),
                text(n, "op"),
                status(text(n, "status"), json),
                time(n, "finish_time"),
                time(n, "rollback_time"),
                time(n, "create_time"),
                time(n, "update_time"));
    }

    static String kv(String cat, String key, String value, Instant now) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", 0);
        putTime(n, "create_time", now, true);
        putTime(n, "update_time", now, true);
        n.put("cat", cat);
        n.put("k", key);
        n.put("v", value);
        n.put("version", 1);
        return write(n);
    }

    static KvEntry kv(String json) {
        JsonNode n = parse(json);
        return new KvEntry(
                n.path("id").asLong(),
                text(n, "cat"),
                text(n, "k"),
                text(n, "v"),
                n.path("version").asLong(),
                time(n, "create_time"),
                time(n, "update_time"));
    }

    private static void putText(ObjectNode n, String field, String value) {
        if (!value.isEmpty()) {
            n.put(field, value);
        }
    }

    private static void putTime(ObjectNode n, String field, Instant t, boolean nullable) {
        if (t != null) {
            n.put(field, time(t));
        } else if (nullable) {
            n.putNull(field);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    /** A time field; absent, null and Go's zero time are null. */
    private static Instant time(JsonNode n, String field) {
        String text = text(n, field);
        if (text.isEmpty() || text.startsWith("0001-01-01")) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text, RFC3339).toInstant();
        } catch (DateTimeParseException e) {
            throw new StoreException("invalid time in the store: " + field + "=" + text, e);
        }
    }

    private static TransStatus status(String wire, String json) {
        return TransStatus.fromWire(wire).orElseThrow(() -> new StoreException("unknown status in the store: " + json));
    }

    private static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new StoreException("invalid JSON in the store: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode parseOrNull(String json) {
        if (json.isEmpty()) {
            return null;
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
