package io.dtm4j.examples;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * What an example works with: the dtm client, the business database and service, and the output;
 * plus the two checks every example ends with.
 *
 * @param dtm the client bound to the server given by {@code --dtm}
 * @param grpc for a gRPC example, the client bound to the server's gRPC API ({@code --dtm-target}
 *     when given, else {@code --dtm-grpc}); null otherwise
 * @param bank the business database
 * @param busi the business service, already started
 * @param grpcBusi for a gRPC example, the gRPC business service, already started; null otherwise
 * @param etcd the etcd address given by {@code --etcd}
 * @param out where the example tells what happens
 * @param resultTimeout how long to wait for a transaction to finish
 * @param brokers where the broker examples consume, and the server's broker they name
 */
record ExampleContext(
        DtmClient dtm,
        DtmClient grpc,
        Bank bank,
        BankService busi,
        GrpcBankService grpcBusi,
        String etcd,
        PrintStream out,
        Duration resultTimeout,
        Options.Brokers brokers) {
    private static final Set<String> FINAL = Set.of("succeed", "failed");

    /** The context of an HTTP example. */
    ExampleContext(DtmClient dtm, Bank bank, BankService busi, PrintStream out, Duration resultTimeout) {
        this(dtm, null, bank, busi, null, Options.DEFAULT_ETCD, out, resultTimeout, Options.Brokers.DEFAULT);
    }

    /** Asks the server for a new gid (over gRPC in a gRPC example) and prints it. */
    String newGid() {
        String gid = (grpc != null ? grpc : dtm).newGid();
        out.println("global transaction " + gid);
        return gid;
    }

    /**
     * Runs a submit (or abort) made with {@code wait_result}: its answer is printed, and {@link
     * #awaitStatus} then decides whether the outcome is the expected one. Errors other than FAILURE
     * and ONGOING propagate.
     */
    void submit(Runnable submit) {
        try {
            submit.run();
            out.println("submitted: the server answered SUCCESS");
        } catch (DtmFailureException e) {
            out.println("submitted: the server answered FAILURE, the transaction rolled back");
        } catch (DtmOngoingException e) {
            out.println("submitted: the server is still working on it (" + e.getMessage() + ")");
        }
    }

    /**
     * Waits until the server finished {@code gid} (asking over HTTP: the gRPC API has no query) and checks that it ended {@code expected} ({@code
     * succeed} or {@code failed}).
     *
     * @throws ExampleFailedException when it ended otherwise or did not finish in time
     */
    void awaitStatus(String gid, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + resultTimeout.toNanos();
        String status = dtm.status(gid);
        while (!FINAL.contains(status) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = dtm.status(gid);
        }
        if (!status.equals(expected)) {
            throw new ExampleFailedException("transaction " + gid + " is '" + status + "' after "
                    + resultTimeout.toSeconds() + " s, expected '" + expected + "'");
        }
        out.println("transaction " + gid + ": " + status);
    }

    /**
     * Checks the balances of users 1 and 2 (and that no TCC try left money booked).
     *
     * @throws ExampleFailedException when one differs
     */
    void expectBalances(long user1, long user2) throws SQLException {
        long actual1 = bank.balance(1);
        long actual2 = bank.balance(2);
        long trading1 = bank.tradingBalance(1);
        long trading2 = bank.tradingBalance(2);
        out.println("balances: user 1 has " + actual1 + " cents, user 2 has " + actual2 + " cents");
        if (actual1 != user1 || actual2 != user2 || trading1 != 0 || trading2 != 0) {
            throw new ExampleFailedException("wrong balances: expected user 1 = " + user1 + ", user 2 = " + user2
                    + " (nothing booked), found " + actual1 + " and " + actual2 + " (booked: " + trading1 + " and "
                    + trading2 + ")");
        }
    }

    /** Checks that 30 cents moved from user 1 to user 2. */
    void expectTransferred() throws SQLException {
        expectBalances(Bank.INITIAL_BALANCE - TransferRequest.AMOUNT, Bank.INITIAL_BALANCE + TransferRequest.AMOUNT);
    }

    /** Checks that nothing moved. */
    void expectUnchanged() throws SQLException {
        expectBalances(Bank.INITIAL_BALANCE, Bank.INITIAL_BALANCE);
    }
}
