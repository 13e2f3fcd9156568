package io.dtm4j.faults.check;

import io.dtm4j.faults.bank.BankDatabase;
import io.dtm4j.faults.bank.BankDatabase.LedgerRow;
import io.dtm4j.faults.cluster.BankNode;
import io.dtm4j.faults.cluster.ServerNode;
import io.dtm4j.faults.nemesis.Fault;
import io.dtm4j.faults.nemesis.FaultKind;
import io.dtm4j.faults.workload.Attempt;
import io.dtm4j.faults.workload.Mode;
import io.dtm4j.faults.workload.Transfer;
import io.dtm4j.protocol.Ops;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The independent checker: after the faults, waits a bounded time for every transaction to become
 * final, then compares what the clients were told, what the server stored and what the banks'
 * ledgers hold. It trusts nothing the harness did not observe itself: the banks write a ledger row
 * in the same local transaction as each balance change, and log every call they receive.
 */
public final class Checker {
    /** Calls logged by the bank within this long after the (second-precision) finish time are not flagged. */
    private static final long FINISH_PRECISION_MILLIS = 1000;
    /**
     * A node frozen past its lease may, right after it wakes, send the call it was about to make when
     * it froze (no process can check its lease and send in one instant); calls within this long
     * after such a wake-up are counted apart, not as violations.
     */
    private static final long WAKE_MILLIS = 3000;
    /** How many violations are printed with their whole history. */
    private static final int DETAILED = 20;

    private final List<ServerNode> nodes;
    private final Map<String, BankNode> banks;
    private final int accounts;
    private final long initialBalance;
    private List<Fault> faults = List.of();
    private long wokenCalls;

    public Checker(List<ServerNode> nodes, Map<String, BankNode> banks, int accounts, long initialBalance) {
        this.nodes = nodes;
        this.banks = banks;
        this.accounts = accounts;
        this.initialBalance = initialBalance;
    }

    /** Waits up to {@code limit} for every transaction to be final (or absent), then checks everything. */
    public Verdict check(List<Attempt> attempts, List<Fault> faults, Duration limit)
            throws IOException, SQLException, InterruptedException {
        long settleStart = System.nanoTime();
        Map<String, TransState> states = settle(attempts, limit);
        Duration settleTime = Duration.ofNanos(System.nanoTime() - settleStart);
        Findings findings = new Findings();
        this.faults = faults;
        Map<String, List<Effect>> effects = effects();
        Map<String, List<CallRecord>> calls = calls();
        for (Attempt attempt : attempts) {
            Transfer t = attempt.transfer();
            TransState state = states.get(t.gid());
            History history = new History(
                    attempt, state, effects.getOrDefault(t.gid(), List.of()), calls.getOrDefault(t.gid(), List.of()));
            checkStatus(history, findings);
            checkEffects(history, findings);
            checkBranchRows(history, findings);
            checkCallsAfterFinish(history, findings);
        }
        checkBooks(attempts, effects, findings);
        long transactions = attempts.stream()
                .filter(a -> a.acknowledged() || !states.get(a.transfer().gid()).absent())
                .count();
        return new Verdict(
                transactions,
                findings.count(Kind.LOST),
                findings.count(Kind.APPLIED_TWICE),
                findings.count(Kind.UNFINISHED),
                wokenCalls,
                findings.reports(),
                settleTime);
    }

    private Map<String, TransState> settle(List<Attempt> attempts, Duration limit) throws InterruptedException {
        Map<String, TransState> states = new HashMap<>();
        List<String> pending = attempts.stream().map(a -> a.transfer().gid()).collect(Collectors.toList());
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<String> still = new ArrayList<>();
            for (String gid : pending) {
                TransState state = query(gid);
                states.put(gid, state);
                if (!state.absent() && !state.finished()) {
                    still.add(gid);
                }
            }
            pending = still;
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                return states;
            }
            Thread.sleep(500);
        }
    }

    private TransState query(String gid) {
        RuntimeException last = null;
        for (int i = 0; i < 3 * nodes.size(); i++) {
            ServerNode node = nodes.get(i % nodes.size());
            try {
                return TransState.of(node.httpClient().query(gid));
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no server node answers query for " + gid, last);
    }

    private void checkStatus(History h, Findings findings) {
        Attempt a = h.attempt();
        if (h.state().absent()) {
            if (a.acknowledged()) {
                findings.add(Kind.LOST, h, "acknowledged, but the server does not know it");
            }
        } else if (!h.state().finished()) {
            findings.add(Kind.UNFINISHED, h, "still '" + h.state().status() + "' after the settle time");
        }
    }

    /** Each succeeded transfer moved its amount exactly once on each side; anything else moved nothing. */
    private void checkEffects(History h, Findings findings) {
        if (!h.state().finished() && !h.state().absent()) {
            return; // counted as unfinished
        }
        Transfer t = h.attempt().transfer();
        Map<String, Long> duplicates = h.effects().stream()
                .collect(Collectors.groupingBy(
                        e -> e.bank() + " branch " + e.row().branchId() + " op "
                                + e.row().op(),
                        LinkedHashMap::new,
                        Collectors.counting()));
        duplicates.values().removeIf(n -> n < 2);
        if (!duplicates.isEmpty()) {
            findings.add(Kind.APPLIED_TWICE, h, "applied more than once: " + duplicates);
            return;
        }
        boolean succeeded = h.state().status().equals("succeed");
        long debit = net(h, t.fromBank(), t.fromAccount());
        long credit = net(h, t.toBank(), t.toAccount());
        long trading =
                h.effects().stream().mapToLong(e -> e.row().tradingDelta()).sum();
        long expectedDebit = succeeded ? -t.amount() : 0;
        long expectedCredit = succeeded ? t.amount() : 0;
        boolean elsewhere = h.effects().stream()
                .anyMatch(e -> !(e.bank().equals(t.fromBank()) && e.row().account() == t.fromAccount())
                        && !(e.bank().equals(t.toBank()) && e.row().account() == t.toAccount()));
        if (debit == expectedDebit && credit == expectedCredit && trading == 0 && !elsewhere) {
            return;
        }
        String what = "status " + h.state().status() + ": debit " + debit + " (expected " + expectedDebit + "), credit "
                + credit + " (expected " + expectedCredit + "), booked " + trading + " (expected 0)"
                + (elsewhere ? ", and effects on accounts outside the transfer" : "");
        boolean tooLittle = Math.abs(debit) < Math.abs(expectedDebit) || Math.abs(credit) < Math.abs(expectedCredit);
        findings.add(tooLittle ? Kind.LOST : Kind.APPLIED_TWICE, h, what);
    }

    private static long net(History h, String bank, int account) {
        return h.effects().stream()
                .filter(e -> e.bank().equals(bank) && e.row().account() == account)
                .mapToLong(e -> e.row().balanceDelta())
                .sum();
    }

    /**
     * A finished transaction's rows are final: on success every forward row (saga and msg actions,
     * TCC confirms, XA commits) succeeded; on failure every compensation that was due succeeded.
     * Workflow rows are the application's own records and are not checked here.
     */
    private void checkBranchRows(History h, Findings findings) {
        TransState s = h.state();
        Mode mode = h.attempt().transfer().mode();
        if (!s.finished() || mode == Mode.WORKFLOW) {
            return;
        }
        boolean succeeded = s.status().equals("succeed");
        Set<String> forward = Set.of(Ops.ACTION, Ops.CONFIRM, Ops.COMMIT);
        for (TransState.Branch b : s.branches()) {
            boolean due;
            if (succeeded) {
                due = forward.contains(b.op());
            } else if (b.op().equals(Ops.COMPENSATE)) {
                // a saga step is compensated when its action may have run
                due = s.branches().stream()
                        .anyMatch(o -> o.branchId().equals(b.branchId())
                                && o.op().equals(Ops.ACTION)
                                && !o.status().equals("prepared"));
            } else {
                due = b.op().equals(Ops.CANCEL) || b.op().equals(Ops.ROLLBACK);
            }
            if (due && !b.status().equals("succeed")) {
                findings.add(
                        Kind.OTHER,
                        h,
                        "finished " + s.status() + " with branch " + b.branchId() + " op " + b.op() + " still "
                                + b.status());
                return;
            }
        }
    }

    /**
     * The server calls no branch of a transaction after it finished. Only the server's own calls
     * count: TCC tries, XA first phases and workflow steps are the application's.
     */
    private void checkCallsAfterFinish(History h, Findings findings) {
        TransState s = h.state();
        if (!s.finished() || h.attempt().transfer().mode() == Mode.WORKFLOW) {
            return;
        }
        for (CallRecord c : h.calls()) {
            boolean applicationCall =
                    c.op().equals(Ops.TRY) || c.endpoint().startsWith("xa/") && c.op().equals(Ops.ACTION);
            if (applicationCall
                    || !c.injected().isEmpty()
                    || c.atMillis() <= s.finishMillis() + FINISH_PRECISION_MILLIS) {
                continue;
            }
            if (fromWokenNode(c, s.finishMillis())) {
                wokenCalls++;
            } else {
                findings.add(Kind.OTHER, h, "called after it finished: " + c);
                return;
            }
        }
    }

    private boolean fromWokenNode(CallRecord c, long finishMillis) {
        return faults.stream()
                .anyMatch(f -> f.kind() == FaultKind.PAUSE_SERVER
                        && f.startMillis() <= finishMillis + FINISH_PRECISION_MILLIS
                        && c.atMillis() >= f.endMillis()
                        && c.atMillis() <= f.endMillis() + WAKE_MILLIS);
    }

    /** Money is conserved, nothing is left booked, and every balance is its initial value plus its ledger. */
    private void checkBooks(List<Attempt> attempts, Map<String, List<Effect>> effects, Findings findings)
            throws SQLException {
        Set<String> gids = attempts.stream().map(a -> a.transfer().gid()).collect(Collectors.toSet());
        for (String gid : effects.keySet()) {
            if (!gids.contains(gid)) {
                findings.add(Kind.OTHER, null, "ledger rows of an unknown gid " + gid + ": " + effects.get(gid));
            }
        }
        long total = 0;
        for (BankNode bank : banks.values()) {
            Map<Integer, BankDatabase.Account> balances = BankDatabase.accounts(bank.db());
            Map<Integer, Long> ledgerByAccount = new HashMap<>();
            for (LedgerRow row : BankDatabase.ledger(bank.db())) {
                ledgerByAccount.merge(row.account(), row.balanceDelta(), Long::sum);
            }
            for (BankDatabase.Account account : balances.values()) {
                total += account.balance();
                long expected = initialBalance + ledgerByAccount.getOrDefault(account.id(), 0L);
                if (account.balance() != expected || account.trading() != 0) {
                    findings.add(
                            Kind.OTHER,
                            null,
                            "bank " + bank.name() + " account " + account.id() + ": balance " + account.balance()
                                    + ", initial plus ledger " + expected + ", booked " + account.trading());
                }
            }
        }
        for (BankNode bank : banks.values()) {
            for (String xid : BankDatabase.preparedXa(bank.db())) {
                findings.add(
                        Kind.OTHER,
                        null,
                        "bank " + bank.name() + " still holds prepared XA transaction " + xid + " (and its locks)");
            }
        }
        long initialTotal = (long) banks.size() * accounts * initialBalance;
        if (total != initialTotal) {
            findings.add(
                    Kind.OTHER,
                    null,
                    "money not conserved: the banks hold " + total + " cents, started with " + initialTotal);
        }
    }

    private Map<String, List<Effect>> effects() throws SQLException {
        Map<String, List<Effect>> byGid = new HashMap<>();
        for (BankNode bank : banks.values()) {
            for (LedgerRow row : BankDatabase.ledger(bank.db())) {
                byGid.computeIfAbsent(row.gid(), g -> new ArrayList<>()).add(new Effect(bank.name(), row));
            }
        }
        return byGid;
    }

    private Map<String, List<CallRecord>> calls() throws IOException {
        Map<String, List<CallRecord>> byGid = new HashMap<>();
        for (BankNode bank : banks.values()) {
            for (CallRecord c : CallRecord.read(bank.name(), bank.callLog())) {
                byGid.computeIfAbsent(c.gid(), g -> new ArrayList<>()).add(c);
            }
        }
        return byGid;
    }

    /** A ledger row of one bank. */
    record Effect(String bank, LedgerRow row) {
        @Override
        public String toString() {
            return "bank " + bank + " account " + row.account() + " branch " + row.branchId() + " op " + row.op()
                    + " balance " + row.balanceDelta() + " booked " + row.tradingDelta() + " at " + row.atMillis();
        }
    }

    /** Everything known of one gid, printed with its violations. */
    record History(Attempt attempt, TransState state, List<Effect> effects, List<CallRecord> calls) {
        String describe() {
            Transfer t = attempt.transfer();
            StringBuilder s = new StringBuilder();
            s.append("  transfer: ").append(t.describe()).append('\n');
            s.append("  client: ")
                    .append(attempt.acknowledged() ? "acknowledged" : "not acknowledged")
                    .append(", answer ")
                    .append(attempt.answer())
                    .append(", started at ")
                    .append(attempt.startMillis())
                    .append('\n');
            s.append("  server: ")
                    .append(state.absent() ? "no such transaction" : state.raw())
                    .append('\n');
            effects.forEach(e -> s.append("  ledger: ").append(e).append('\n'));
            calls.forEach(c -> s.append("  call: ").append(c).append('\n'));
            return s.toString();
        }
    }

    enum Kind {
        LOST,
        APPLIED_TWICE,
        UNFINISHED,
        OTHER
    }

    /** Violations by kind, each gid counted at most once per kind. */
    private static final class Findings {
        private final Map<Kind, Set<String>> gids = new HashMap<>();
        private final List<String> reports = new ArrayList<>();

        void add(Kind kind, History h, String what) {
            String gid = h == null ? "-" : h.attempt().transfer().gid();
            if (h != null && !gids.computeIfAbsent(kind, k -> new HashSet<>()).add(gid)) {
                return;
            }
            String report = kind + " " + gid + ": " + what;
            if (h != null && reports.size() < DETAILED) {
                report += "\n" + h.describe();
            }
            reports.add(report);
        }

        long count(Kind kind) {
            return gids.getOrDefault(kind, Set.of()).size();
        }

        List<String> reports() {
            return List.copyOf(reports);
        }
    }
}
