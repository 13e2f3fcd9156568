package io.dtm4j.faults;

import io.dtm4j.faults.bank.BankDatabase;
import io.dtm4j.faults.check.Checker;
import io.dtm4j.faults.check.Verdict;
import io.dtm4j.faults.cluster.BankNode;
import io.dtm4j.faults.cluster.ServerNode;
import io.dtm4j.faults.nemesis.Fault;
import io.dtm4j.faults.nemesis.Nemesis;
import io.dtm4j.faults.store.LocalProcesses;
import io.dtm4j.faults.store.PrivateMariaDb;
import io.dtm4j.faults.store.StoreInstance;
import io.dtm4j.faults.store.StoreInstances;
import io.dtm4j.faults.workload.Attempt;
import io.dtm4j.faults.workload.Workload;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run on one store: starts the private store, the banks' own database, the bank services and
 * the server nodes; runs the workload with the nemesis for the run's duration; heals everything;
 * lets the checker settle and check; stops everything it started.
 */
final class FaultRun {
    /** Balance of every account at the start, in cents. */
    static final long INITIAL_BALANCE = 100_000;
    /** Server settings: short intervals, so that retries, timeouts and recovery happen often. */
    static final long RETRY_INTERVAL = 2;

    static final long REQUEST_TIMEOUT = 2;
    private static final Map<String, String> SERVER_SETTINGS = Map.of(
            "TRANS_CRON_INTERVAL", "1",
            "RETRY_INTERVAL", String.valueOf(RETRY_INTERVAL),
            "MAX_RETRY_INTERVAL", "4",
            "REQUEST_TIMEOUT", String.valueOf(REQUEST_TIMEOUT),
            "TIMEOUT_TO_FAIL", "8");
    /** The longest the checker waits for every transaction to be final once the faults have ended. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(180);

    /** What a run produced. */
    record Result(String store, int nodes, List<Attempt> attempts, List<Fault> faults, Verdict verdict) {}

    private final Options options;
    private final String storeName;
    private final PrintStream out;

    FaultRun(Options options, String storeName, PrintStream out) {
        this.options = options;
        this.storeName = storeName;
        this.out = out;
    }

    Result run() throws Exception {
        // searchable by others: a private PostgreSQL runs as user postgres inside it
        Path dir = Files.createTempDirectory(
                "dtm4j-faults-" + storeName + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        out.println("[" + storeName + "] working directory " + dir + " (logs of every process)");
        List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());
        // Ctrl-C or SIGTERM must not leave servers, banks and databases running
        Thread cleanup = new Thread(() -> closeAll(started));
        Runtime.getRuntime().addShutdownHook(cleanup);
        boolean clean = false;
        try {
            StoreInstance store = StoreInstances.of(storeName);
            started.add(store);
            store.start(Files.createDirectories(dir.resolve("store")));
            Map<String, BankNode> banks = new LinkedHashMap<>();
            for (String name : List.of("A", "B")) {
                // each bank its own database server, as services own theirs: no lock of one bank's
                // barrier or XA transactions can hold up the other
                PrivateMariaDb db = new PrivateMariaDb();
                started.add(db);
                db.start(Files.createDirectories(dir.resolve("bank-" + name + "-db")));
                db.createDatabase("bank");
                BankNode bank =
                        new BankNode(name, db.jdbcUrl("bank"), dir, options.unsafeBarrier() && name.equals("A"));
                BankDatabase.create(bank.db(), options.accounts(), INITIAL_BALANCE);
                started.add(bank);
                bank.start();
                banks.put(name, bank);
            }

            Map<String, String> settings = new LinkedHashMap<>(SERVER_SETTINGS);
            settings.putAll(store.serverEnv());
            List<ServerNode> nodes = new ArrayList<>();
            for (int i = 0; i < options.nodesFor(storeName); i++) {
                ServerNode node =
                        new ServerNode("node " + i, options.serverJar(), settings, dir.resolve("server-" + i + ".log"));
                started.add(node);
                node.start();
                nodes.add(node);
            }
            out.println("[" + storeName + "] " + nodes.size() + " server node(s), banks A and B with "
                    + options.accounts() + " accounts each; " + options.duration() + " s of transfers under faults");

            Nemesis nemesis = new Nemesis(
                    nodes,
                    List.copyOf(banks.values()),
                    store,
                    new Nemesis.Timing(
                            RETRY_INTERVAL, REQUEST_TIMEOUT, options.maxOutageSeconds(), options.quick() ? 3000 : 6000),
                    options.seed());
            if (options.unsafeBarrier()) {
                // the broken mode must show: bank A answers half its calls with 500 after committing,
                // so the server repeats them and, without the barrier, bank A applies them again
                banks.get("A").chaos("error", 0.5, options.duration(), 0);
            }
            Result result;
            try (Workload workload =
                    new Workload(nodes, banks, options.accounts(), options.clients(), options.seed())) {
                AtomicReference<Exception> nemesisError = new AtomicReference<>();
                Thread faults = Thread.ofPlatform().name("nemesis").start(() -> {
                    try {
                        nemesis.run();
                    } catch (Exception e) {
                        nemesisError.set(e);
                        workload.stop();
                    }
                });
                // at least the duration, and (within four times it) until every kind of fault has
                // been injected once: a loaded machine restarts slowly and must not skip any in CI
                long start = System.nanoTime();
                workload.run(() -> {
                    long elapsed = System.nanoTime() - start;
                    long duration = Duration.ofSeconds(options.duration()).toNanos();
                    return elapsed >= duration && (nemesis.openingDone() || elapsed >= 4 * duration);
                });
                nemesis.stop();
                faults.join();
                if (nemesisError.get() != null) {
                    throw new IllegalStateException("the nemesis could not bring a process back", nemesisError.get());
                }
                nemesis.heal();
                out.println("[" + storeName + "] faults over; waiting for every transaction to be final");
                Checker checker = new Checker(nodes, banks, options.accounts(), INITIAL_BALANCE);
                Verdict verdict = checker.check(workload.attempts(), nemesis.faults(), SETTLE_LIMIT);
                result = new Result(storeName, nodes.size(), workload.attempts(), nemesis.faults(), verdict);
            }
            clean = result.verdict().clean();
            return result;
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            closeAll(started);
            if (clean) {
                LocalProcesses.deleteTree(dir);
            } else {
                out.println("[" + storeName + "] kept " + dir + " for inspection");
            }
        }
    }

    /** Stops what was started, last first. */
    private void closeAll(List<AutoCloseable> started) {
        synchronized (started) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.remove(i).close();
                } catch (Exception e) {
                    out.println("[" + storeName + "] stopping a process: " + e);
                }
            }
        }
    }
}
