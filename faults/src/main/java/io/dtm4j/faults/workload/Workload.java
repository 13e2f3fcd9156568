package io.dtm4j.faults.workload;

import io.dtm4j.faults.cluster.BankNode;
import io.dtm4j.faults.cluster.ServerNode;
import io.dtm4j.faults.workload.Transfer.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A steady stream of transfers between the accounts of two banks, from a few concurrent clients,
 * in every mode, over HTTP and gRPC, spread over the server nodes; about one in ten is meant to
 * fail (an amount no account holds). Every attempt is kept for the checker.
 */
public final class Workload implements AutoCloseable {
    /** Modes in proportion to how often they are drawn. */
    private static final Mode[] MIX = {
        Mode.SAGA, Mode.SAGA, Mode.CONCURRENT_SAGA, Mode.MSG, Mode.MSG, Mode.TCC, Mode.TCC, Mode.XA, Mode.WORKFLOW
    };
    /** More than any account can ever hold: such a debit fails. */
    static final long IMPOSSIBLE_AMOUNT = 1_000_000_000L;

    private final int nodes;
    private final List<String> bankNames;
    private final int accounts;
    private final int clients;
    private final long seed;
    private final String runId;
    private final TransferRunner runner;
    private final AtomicLong sequence = new AtomicLong();
    private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;

    public Workload(List<ServerNode> nodes, Map<String, BankNode> banks, int accounts, int clients, long seed)
            throws IOException {
        this.nodes = nodes.size();
        this.bankNames = List.copyOf(banks.keySet());
        this.accounts = accounts;
        this.clients = clients;
        this.seed = seed;
        this.runId = Long.toString(seed & 0xffffff, 36);
        this.runner = new TransferRunner(nodes, banks);
    }

    /** Runs the clients until {@code done} holds; each finishes the transfer it is in. */
    public void run(BooleanSupplier done) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Random random = new Random(seed * 31 + c);
            threads.add(Thread.ofVirtual().name("client-" + c).start(() -> {
                while (!stopping && !done.getAsBoolean()) {
                    Attempt attempt = runner.run(next(random));
                    attempts.add(attempt);
                    if (attempt.answer().startsWith("error")) {
                        pause(100 + random.nextInt(200)); // a node down answers at once: do not spin
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends {@link #run} early, after the transfers in progress. */
    public void stop() {
        stopping = true;
    }

    private Transfer next(Random random) {
        Mode mode = MIX[random.nextInt(MIX.length)];
        // the workflow resume endpoint speaks HTTP; the other modes go over gRPC a third of the time
        Transport transport = mode != Mode.WORKFLOW && random.nextInt(3) == 0 ? Transport.GRPC : Transport.HTTP;
        int from = random.nextInt(bankNames.size());
        int to = (from + 1) % bankNames.size();
        boolean meantToFail = random.nextInt(10) == 0;
        long amount = meantToFail ? IMPOSSIBLE_AMOUNT : 1 + random.nextInt(500);
        return new Transfer(
                "f" + runId + "-" + sequence.incrementAndGet(),
                mode,
                transport,
                random.nextInt(nodes),
                bankNames.get(from),
                1 + random.nextInt(accounts),
                bankNames.get(to),
                1 + random.nextInt(accounts),
                amount,
                meantToFail);
    }

    /** Every attempt so far. */
    public List<Attempt> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    @Override
    public void close() {
        runner.close();
    }
}
