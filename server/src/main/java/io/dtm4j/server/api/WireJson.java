package io.dtm4j.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dtm4j.server.engine.Parking;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * Writes stored objects in dtm's JSON shape (docs/protocol.md §3.9): dtm's keys and order, empty
 * fields omitted where dtm omits them, RFC 3339 times with the server's offset at second precision.
 */
final class WireJson {
    private final ObjectMapper json;
    private final ZoneId zone = ZoneId.systemDefault();

    WireJson(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode global(GlobalTrans g) {
        ObjectNode n = json.createObjectNode();
        n.put("id", g.id());
        n.put("create_time", time(g.createTime()));
        n.put("update_time", time(g.updateTime()));
        putIfNotEmpty(n, "gid", g.gid());
        putIfNotEmpty(n, "trans_type", g.transType().wire());
        putIfNotEmpty(n, "status", g.status().wire());
        putIfNotEmpty(n, "query_prepared", g.queryPrepared());
        putIfNotEmpty(n, "protocol", g.protocol());
        putIfNotNull(n, "finish_time", g.finishTime());
        putIfNotNull(n, "rollback_time", g.rollbackTime());
        putIfNotEmpty(n, "options", g.options());
        putIfNotEmpty(n, "custom_data", g.customData());
        if (g.nextCronInterval() != 0) {
            n.put("next_cron_interval", g.nextCronInterval());
        }
        putIfNotNull(n, "next_cron_time", g.nextCronTime());
        putIfNotEmpty(n, "owner", g.owner());
        putIfNotEmpty(n, "ext_data", g.extData());
        putIfNotEmpty(n, "result", g.result());
        putIfNotEmpty(n, "rollback_reason", g.rollbackReason());
        n.put("concurrent", false); // SQL-shaped stores keep options in "options"; dtm never omits this key
        return n;
    }

    ObjectNode branch(BranchOp b) {
        ObjectNode n = json.createObjectNode();
        n.put("id", b.id());
        n.put("create_time", time(b.createTime()));
        n.put("update_time", time(b.updateTime()));
        putIfNotEmpty(n, "gid", b.gid());
        putIfNotEmpty(n, "url", b.url());
        if (b.binData().length > 0) {
            n.put("bin_data", Base64.getEncoder().encodeToString(b.binData()));
        }
        putIfNotEmpty(n, "branch_id", b.branchId());
        putIfNotEmpty(n, "op", b.op());
        putIfNotEmpty(n, "status", b.status().wire());
        putIfNotNull(n, "finish_time", b.finishTime());
        putIfNotNull(n, "rollback_time", b.rollbackTime());
        return n;
    }

    ObjectNode kv(KvEntry e) {
        ObjectNode n = json.createObjectNode();
        n.put("id", e.id());
        n.put("create_time", time(e.createTime()));
        n.put("update_time", time(e.updateTime()));
        n.put("cat", e.cat());
        n.put("k", e.key());
        n.put("v", e.value());
        n.put("version", e.version());
        return n;
    }

    /** A parked transaction: its global in dtm's shape and why it was parked (docs/observability.md#parking). */
    ObjectNode parked(Parking.Parked p) {
        ObjectNode n = json.createObjectNode();
        n.set("transaction", global(p.global()));
        Parking.Mark m = p.mark();
        n.put("reason", m.reason());
        n.put("branch", m.branch());
        n.put("error", m.error());
        n.put("retries", m.retries());
        try {
            n.put("parked_at", time(Instant.parse(m.parkedAt())));
        } catch (java.time.format.DateTimeParseException e) {
            n.put("parked_at", m.parkedAt());
        }
        return n;
    }

    private String time(Instant t) {
        return t == null
                ? null
                : OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.SECONDS), zone)
                        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    private void putIfNotNull(ObjectNode n, String key, Instant t) {
        if (t != null) {
            n.put(key, time(t));
        }
    }

    private static void putIfNotEmpty(ObjectNode n, String key, String value) {
        if (value != null && !value.isEmpty()) {
            n.put(key, value);
        }
    }
}
