package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import java.time.Instant;

/**
 * One operation of a branch: one row of dtm's {@code trans_branch_op} table. (gid, branchId, op)
 * is unique; rows are returned in insertion order, which the processors rely on.
 *
 * @param binData the payload sent with the call, or the recorded result of a workflow step
 */
public record BranchOp(
        long id,
        String gid,
        String url,
        byte[] binData,
        String branchId,
        String op,
        TransStatus status,
        Instant finishTime,
        Instant rollbackTime,
        Instant createTime,
        Instant updateTime) {

    public BranchOp {
        url = url == null ? "" : url;
        binData = binData == null ? new byte[0] : binData;
    }

    /** Returns a new, not yet stored row. */
    public static BranchOp create(String gid, String branchId, String op, String url, byte[] binData, Instant now) {
        return new BranchOp(0, gid, url, binData, branchId, op, TransStatus.PREPARED, null, null, now, now);
    }

    /** Returns this row with {@code status}, as it looks after a status update at {@code now}. */
    public BranchOp withStatus(TransStatus status, Instant now) {
        return new BranchOp(
                id,
                gid,
                url,
                binData,
                branchId,
                op,
                status,
                status == TransStatus.SUCCEED ? now : finishTime,
                status == TransStatus.FAILED ? now : rollbackTime,
                createTime,
                now);
    }
}
