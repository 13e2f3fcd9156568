package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.time.Instant;

/**
 * A stored global transaction: one row of dtm's {@code trans_global} table.
 *
 * @param id row id, also the cursor of {@code all}; 0 before the row is stored
 * @param options the serialized {@link io.dtm4j.protocol.TransOptions}, or empty
 * @param nextCronInterval current retry interval in seconds
 * @param nextCronTime when the scheduler may pick the transaction next
 * @param owner token of the last scheduler claim, or empty
 * @param extData legacy {@code {"headers":{…}}} JSON, or empty
 * @param finishTime set when the status became {@code succeed}, else null
 * @param rollbackTime set when the status became {@code failed}, else null
 */
public record GlobalTrans(
        long id,
        String gid,
        TransType transType,
        TransStatus status,
        String queryPrepared,
        String protocol,
        Instant createTime,
        Instant updateTime,
        Instant finishTime,
        Instant rollbackTime,
        String options,
        String customData,
        long nextCronInterval,
        Instant nextCronTime,
        String owner,
        String extData,
        String result,
        String rollbackReason) {

    public GlobalTrans {
        queryPrepared = nonNull(queryPrepared);
        protocol = nonNull(protocol);
        options = nonNull(options);
        customData = nonNull(customData);
        owner = nonNull(owner);
        extData = nonNull(extData);
        result = nonNull(result);
        rollbackReason = nonNull(rollbackReason);
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
