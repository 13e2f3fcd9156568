package io.dtm4j.faults.workload;

/** The transaction modes of the workload; each moves money from an account of one bank to one of the other. */
public enum Mode {
    /** Debit then Credit, each with a compensation, in the barrier. */
    SAGA,
    /** The same two steps run in parallel. */
    CONCURRENT_SAGA,
    /** The debit in the client's local transaction with the message ({@code doAndSubmitDb}), then Credit. */
    MSG,
    /** Try/confirm/cancel on both banks, in the barrier. */
    TCC,
    /** Both banks' work in prepared XA transactions, committed by the server. */
    XA,
    /** Java code calling Debit then Credit as recorded branches, with rollback callbacks. */
    WORKFLOW;

    public String label() {
        return name().toLowerCase().replace('_', ' ');
    }
}
