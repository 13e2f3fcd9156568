package io.dtm4j.faults.workload;

/**
 * One planned transfer: {@code amount} cents from {@code fromAccount} of bank {@code fromBank} to
 * {@code toAccount} of the other bank, as global transaction {@code gid} of {@code mode} over
 * {@code transport} through server node {@code node}.
 *
 * @param meantToFail the amount exceeds every balance, so the debit fails and the transfer must roll back
 */
public record Transfer(
        String gid,
        Mode mode,
        Transport transport,
        int node,
        String fromBank,
        int fromAccount,
        String toBank,
        int toAccount,
        long amount,
        boolean meantToFail) {

    /** How a client reaches the server and the server the banks. */
    public enum Transport {
        HTTP,
        GRPC
    }

    public String describe() {
        return mode.label() + " over " + transport + " via node " + node + ": " + amount + " cents from "
                + fromBank + "/" + fromAccount + " to " + toBank + "/" + toAccount
                + (meantToFail ? " (meant to fail)" : "");
    }
}
