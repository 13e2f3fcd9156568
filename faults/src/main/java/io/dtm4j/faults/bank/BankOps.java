package io.dtm4j.faults.bank;

/**
 * The operations every bank serves, by name: over HTTP at {@code /api/busi/<name>} (XA branches at
 * {@code /api/busi/xa/<name>}), over gRPC as method {@code faults.Bank/<name>} (XA: {@code
 * faults.Bank/Xa<name>}). Each runs inside the branch barrier and writes a ledger row in the same
 * local transaction as the balance change.
 */
public final class BankOps {
    /** The gRPC service name. */
    public static final String GRPC_SERVICE = "faults.Bank";

    // saga, msg and workflow: balance moves at once
    public static final String DEBIT = "Debit";
    public static final String DEBIT_REVERT = "DebitRevert";
    public static final String CREDIT = "Credit";
    public static final String CREDIT_REVERT = "CreditRevert";
    // TCC: the try books the amount in trading, confirm moves it into balance, cancel drops it
    public static final String DEBIT_TRY = "DebitTry";
    public static final String DEBIT_CONFIRM = "DebitConfirm";
    public static final String DEBIT_CANCEL = "DebitCancel";
    public static final String CREDIT_TRY = "CreditTry";
    public static final String CREDIT_CONFIRM = "CreditConfirm";
    public static final String CREDIT_CANCEL = "CreditCancel";
    /** The msg check-back (QueryPrepared): whether the local transaction of the query's gid committed. */
    public static final String QUERY_PREPARED = "QueryPrepared";

    private BankOps() {}
}
