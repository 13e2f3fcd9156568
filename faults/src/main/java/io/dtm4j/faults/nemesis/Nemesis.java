package io.dtm4j.faults.nemesis;

import io.dtm4j.faults.cluster.BankNode;
import io.dtm4j.faults.cluster.ServerNode;
import io.dtm4j.faults.store.StoreInstance;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Injects one fault after another at random times while the workload runs: crashes and pauses of
 * server nodes, store outages, crashes of bank services and banks that misbehave after committing.
 * A run starts with one fault of every kind, in random order, so that even a short run sees each;
 * then it draws from a mix weighted towards crashes of server nodes.
 * Crashes and outages end with a restart before the next fault starts; a bank's misbehaviour runs
 * for a window beside the next faults. {@link #heal} brings everything back at the end.
 */
public final class Nemesis {
    /** Faults in proportion to how often they are drawn: crashes of server nodes above all. */
    private static final FaultKind[] MIX = {
        FaultKind.KILL_SERVER,
        FaultKind.KILL_SERVER,
        FaultKind.KILL_SERVER,
        FaultKind.KILL_SERVER,
        FaultKind.KILL_SERVER,
        FaultKind.PAUSE_SERVER,
        FaultKind.PAUSE_SERVER,
        FaultKind.STORE_OUTAGE,
        FaultKind.KILL_BANK,
        FaultKind.KILL_BANK,
        FaultKind.BANK_ERROR,
        FaultKind.BANK_DROP,
        FaultKind.BANK_SLOW
    };

    /**
     * Timing of the faults, from the servers' configuration and the kind of run.
     *
     * @param maxGapMillis the longest quiet time between two faults (at least half of it passes):
     *     a restarted JVM serves slowly at first, so a long run leaves the nodes time to serve
     */
    public record Timing(long leaseSeconds, long requestTimeoutSeconds, long maxOutageSeconds, int maxGapMillis) {}

    private final List<ServerNode> nodes;
    private final List<BankNode> banks;
    private final StoreInstance store;
    private final Timing timing;
    private final Random random;
    private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;
    private volatile boolean openingDone;
    private boolean hadFullOutage;

    public Nemesis(List<ServerNode> nodes, List<BankNode> banks, StoreInstance store, Timing timing, long seed) {
        this.nodes = nodes;
        this.banks = banks;
        this.store = store;
        this.timing = timing;
        this.random = new Random(seed);
    }

    /** Injects faults until {@link #stop}; returns after the fault in progress has ended. */
    public void run() throws IOException, InterruptedException {
        List<FaultKind> opening = new ArrayList<>(List.of(FaultKind.values()));
        Collections.shuffle(opening, random);
        while (!stopping) {
            Thread.sleep(timing.maxGapMillis() / 2 + random.nextInt(timing.maxGapMillis() / 2));
            if (stopping) {
                break;
            }
            openingDone = opening.isEmpty();
            FaultKind kind = openingDone ? MIX[random.nextInt(MIX.length)] : opening.remove(0);
            if (kind == FaultKind.STORE_OUTAGE && !store.canBeStopped()) {
                kind = FaultKind.KILL_SERVER;
            }
            inject(kind);
        }
    }

    /** Whether one fault of every kind has been injected (and the last of them ended). */
    public boolean openingDone() {
        return openingDone;
    }

    public void stop() {
        stopping = true;
    }

    private void inject(FaultKind kind) throws IOException, InterruptedException {
        long start = System.currentTimeMillis();
        String target;
        switch (kind) {
            case KILL_SERVER -> {
                ServerNode node = pick(nodes);
                target = node.name();
                node.kill();
                Thread.sleep(random.nextInt(2000));
                restart(node);
            }
            case PAUSE_SERVER -> {
                ServerNode node = pick(nodes);
                target = node.name();
                node.pause();
                Thread.sleep((timing.leaseSeconds() + 1) * 1000 + random.nextInt(2000));
                node.resume();
            }
            case STORE_OUTAGE -> {
                target = store.name();
                // the first outage of a run lasts the longest; later ones are shorter, at random
                long seconds = hadFullOutage
                        ? 3 + random.nextInt((int) timing.maxOutageSeconds() - 2)
                        : timing.maxOutageSeconds();
                hadFullOutage = true;
                store.stop();
                Thread.sleep(seconds * 1000);
                store.restart();
            }
            case KILL_BANK -> {
                BankNode bank = pick(banks);
                target = "bank " + bank.name();
                bank.kill();
                Thread.sleep(random.nextInt(2000));
                bank.start();
            }
            default -> {
                BankNode bank = pick(banks);
                target = "bank " + bank.name();
                long seconds = 3 + random.nextInt(5);
                String chaos = kind.name().substring("BANK_".length()).toLowerCase();
                bank.chaos(chaos, 0.3, seconds, (timing.requestTimeoutSeconds() + 1) * 1000);
                faults.add(new Fault(kind, target, start, start + seconds * 1000));
                return;
            }
        }
        faults.add(new Fault(kind, target, start, System.currentTimeMillis()));
    }

    /** Restarts a killed node; a start can fail while the machine is overloaded, so it is tried again. */
    private static void restart(ServerNode node) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                node.start();
                return;
            } catch (IOException e) {
                if (attempt == 3) {
                    throw e;
                }
                node.kill();
            }
        }
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** Ends every fault: resumes paused nodes, starts what is down, turns the banks' chaos off. */
    public void heal() throws IOException, InterruptedException {
        for (ServerNode node : nodes) {
            if (node.isPaused()) {
                node.resume();
            }
            if (!node.isAlive()) {
                restart(node);
            }
        }
        for (BankNode bank : banks) {
            if (!bank.isAlive()) {
                bank.start();
            }
            bank.chaos("off", 0, 0, 0);
        }
    }

    /** Every fault injected so far. */
    public List<Fault> faults() {
        synchronized (faults) {
            return List.copyOf(faults);
        }
    }
}
