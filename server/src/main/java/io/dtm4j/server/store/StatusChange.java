package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import java.time.Instant;

/**
 * A compare-and-set of a global status. The store also sets {@code update_time}, {@code
 * finish_time} (on {@code succeed}) and {@code rollback_time} (on {@code failed}) to {@code now}.
 *
 * @param rollbackReason stored when not null
 * @param result stored when not null (workflow)
 * @param owner when not null, the change applies only while this claim token owns the transaction
 * @param newOwner when not null, becomes the owner: the writer takes the claim
 */
public record StatusChange(
        TransStatus from,
        TransStatus to,
        Instant now,
        String rollbackReason,
        String result,
        String owner,
        String newOwner) {

    /** An unfenced change that leaves the owner as it is (admin actions such as forceStop). */
    public static StatusChange of(TransStatus from, TransStatus to, Instant now) {
        return new StatusChange(from, to, now, null, null, null, null);
    }
}
