package io.dtm4j.faults.bank;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * What each business operation of {@link BankOps} does to an account: the signs of the balance and
 * trading changes, and whether the account must cover it. Only the actions that take money (Debit,
 * DebitTry) may fail; a compensation, confirm or cancel never does, whatever the balance.
 */
final class BankOperations {
    /** A change of {@code balance * amount} and {@code trading * amount}. */
    record Move(int balance, int trading, boolean mustCover) {
        /** Applies this move for {@code payload} in {@code tx}, with a ledger row naming the branch. */
        void apply(Connection tx, String gid, String branchId, String op, BranchPayload payload) throws SQLException {
            BankDatabase.move(
                    tx,
                    gid,
                    branchId,
                    op,
                    payload.account(),
                    balance * payload.amount(),
                    trading * payload.amount(),
                    mustCover);
        }
    }

    /** The operations served at {@code /api/busi/<name>} and {@code faults.Bank/<name>}. */
    static final Map<String, Move> PLAIN = Map.ofEntries(
            Map.entry(BankOps.DEBIT, new Move(-1, 0, true)),
            Map.entry(BankOps.DEBIT_REVERT, new Move(1, 0, false)),
            Map.entry(BankOps.CREDIT, new Move(1, 0, false)),
            Map.entry(BankOps.CREDIT_REVERT, new Move(-1, 0, false)),
            Map.entry(BankOps.DEBIT_TRY, new Move(0, -1, true)),
            Map.entry(BankOps.DEBIT_CONFIRM, new Move(-1, 1, false)),
            Map.entry(BankOps.DEBIT_CANCEL, new Move(0, 1, false)),
            Map.entry(BankOps.CREDIT_TRY, new Move(0, 1, false)),
            Map.entry(BankOps.CREDIT_CONFIRM, new Move(1, -1, false)),
            Map.entry(BankOps.CREDIT_CANCEL, new Move(0, -1, false)));

    /** The XA branches, served at {@code /api/busi/xa/<name>} and {@code faults.Bank/Xa<name>}. */
    static final Map<String, Move> XA =
            Map.of(BankOps.DEBIT, PLAIN.get(BankOps.DEBIT), BankOps.CREDIT, PLAIN.get(BankOps.CREDIT));

    private BankOperations() {}
}
