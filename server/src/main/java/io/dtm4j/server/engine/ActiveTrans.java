package io.dtm4j.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TraceContext;
import io.dtm4j.protocol.TransOptions;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.StatusChange;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A global transaction being processed, with the mechanics every processor shares: status
 * compare-and-set, branch calls with dtm's outcome rules (docs/protocol.md §6.5), and the
 * cron-field updates that follow each call (docs/protocol.md §9.3). Thread-safe: concurrent
 * branches of one transaction call it from several threads.
 */
public final class ActiveTrans {
    private static final Logger log = LoggerFactory.getLogger(ActiveTrans.class);
    /**
     * A success refreshes the lease only if the last touch is at least this old (docs/protocol.md §9.3).
     */
    private static final Duration TOUCH_GRACE = Duration.ofMillis(1500);
    /** A call is written only while the lease lasts at least this much longer. */
    private static final Duration SEND_MARGIN = Duration.ofSeconds(1);

    private final EngineContext ctx;
    private final RetryPolicy policy;
    private final TransOptions options;
    private GlobalTrans global;
    private final List<BranchOp> branches;
    private Instant lastTouched;
    /** Orders writes: ordered branch writes not yet followed by a completed synchronous write need a flush. */
    private final AtomicLong writeSeq = new AtomicLong();

    private volatile long lastOrderedWrite;
    private volatile long lastSyncedWrite;
    /** Set once a fenced write was rejected: this round no longer owns the transaction. */
    private volatile boolean lost;
    /** Set once the retry budget is spent: no more calls, and every cron write keeps it parked. */
    private volatile boolean parked;
    /** The span of the current round; invalid while tracing is off. */
    private volatile Span roundSpan = Span.getInvalid();

    public ActiveTrans(EngineContext ctx, GlobalTrans global, TransOptions options, List<BranchOp> branches) {
        this.ctx = ctx;
        this.policy = ctx.retryPolicy();
        this.global = global;
        this.options = options;
        this.branches = new ArrayList<>(branches);
        this.lastTouched = ctx.clock().instant();
    }

    public synchronized GlobalTrans global() {
        return global;
    }

    public synchronized TransStatus status() {
        return global.status();
    }

    public String gid() {
        return global().gid();
    }

    public TransType type() {
        return global().transType();
    }

    public TransOptions options() {
        return options;
    }

    public synchronized BranchOp branch(int index) {
        return branches.get(index);
    }

    public synchronized List<BranchOp> branches() {
        return List.copyOf(branches);
    }

    public synchronized int branchCount() {
        return branches.size();
    }

    public Instant now() {
        return ctx.clock().instant();
    }

    public boolean isTimedOut() {
        return policy.isTimedOut(global(), options, now());
    }

    public String timeoutReason() {
        return "Timeout after " + policy.effectiveTimeout(type(), options) + " seconds";
    }

    /**
     * Changes the global status with a compare-and-set on the current one.
     *
     * @param rollbackReason stored when not null
     * @throws DtmException when another writer changed the status first
     */
    public void changeStatus(TransStatus to, String rollbackReason) {
        GlobalTrans before = global();
        Instant now = now();
        StatusTransitions.check(before.transType(), before.status(), to);
        var change = new StatusChange(before.status(), to, now, rollbackReason, null, before.owner(), null);
        long seq = writeSeq.incrementAndGet();
        if (!ctx.store().changeGlobalStatus(before.gid(), change)) {
            throw DtmException.error("gid '" + before.gid() + "': cannot change status to '" + to
                    + "': it is no longer '" + before.status() + "' or another round has claimed it");
        }
        synced(seq);
        synchronized (this) {
            global = new GlobalTrans(
                    before.id(),
                    before.gid(),
                    before.transType(),
                    to,
                    before.queryPrepared(),
                    before.protocol(),
                    before.createTime(),
                    now,
                    to == TransStatus.SUCCEED ? now : before.finishTime(),
                    to == TransStatus.FAILED ? now : before.rollbackTime(),
                    before.options(),
                    before.customData(),
                    before.nextCronInterval(),
                    before.nextCronTime(),
                    before.owner(),
                    before.extData(),
                    before.result(),
                    rollbackReason != null ? rollbackReason : before.rollbackReason());
        }
        if (before.status() == TransStatus.PREPARED && registersBranches(before.transType())) {
            // registerBranch needs 'prepared', so the rows are complete only now: a branch registered
            // after this round read them would otherwise never be confirmed, committed or rolled back
            List<BranchOp> stored = ctx.store().findBranches(before.gid());
            synchronized (this) {
                branches.clear();
                branches.addAll(stored);
            }
        }
        log.debug("gid {} status {} -> {}", before.gid(), before.status(), to);
    }

    private static boolean registersBranches(TransType type) {
        return type == TransType.TCC || type == TransType.XA;
    }

    /** The result of one branch call: the row's status after it, and the classified outcome. */
    public record BranchResult(int index, TransStatus status, Outcome outcome) {}

    /** Calls the branch at {@code index}, stores its new status and updates the cron fields. */
    public BranchResult execBranch(int index) {
        BranchOp b = branch(index);
        Outcome outcome = call(b.url(), b.branchId(), b.op(), b.binData());
        boolean sagaAction = type() == TransType.SAGA && Ops.ACTION.equals(b.op());
        TransStatus status = outcome.isSuccess()
                ? TransStatus.SUCCEED
                : outcome.isFailure() && sagaAction ? TransStatus.FAILED : TransStatus.PREPARED;
        if (status != TransStatus.PREPARED) {
            Instant now = now();
            lastOrderedWrite = writeSeq.incrementAndGet();
            ctx.store().updateBranchStatusOrdered(b.gid(), b.branchId(), b.op(), status, now, global().owner());
            synchronized (this) {
                branches.set(index, b.withStatus(status, now));
            }
        } else {
            log.info(
                    "gid {} branch {} op {} not done: {}",
                    b.gid(),
                    b.branchId(),
                    b.op(),
                    outcome.isOngoing() ? "ONGOING" : outcome.text());
        }
        ctx.metrics().branchCall(type().wire(), b.branchId(), b.op(), status == TransStatus.SUCCEED);
        afterCall(outcome, status != TransStatus.PREPARED, b.url());
        return new BranchResult(index, status, outcome);
    }

    /** Calls {@code url} without a branch row (msg check-back, workflow callback). */
    public Outcome call(String url, String branchId, String op, byte[] body) {
        holdLease();
        GlobalTrans g = global();
        if (url.isEmpty()) { // no call is made: nothing to trace or time
            return ctx.invoker().call(branchCall(g, url, branchId, op, body, headers(g)));
        }
        String opLabel = type() == TransType.WORKFLOW ? "workflow" : op; // a workflow's op is its own name
        int retries = RetryPolicy.consecutiveFailures(g.nextCronInterval(), policy.resetInterval(options));
        Span span = ctx.tracing().call(roundSpan, opLabel, branchId, url, retries);
        Map<String, String> headers = headers(g);
        if (!options.branchHeaders().containsKey(TraceContext.TRACEPARENT)) { // branch_headers win
            headers = Tracing.carrying(headers, span);
        }
        Instant at = now();
        long start = System.nanoTime();
        Outcome outcome = ctx.invoker().call(branchCall(g, url, branchId, op, body, headers));
        long nanos = System.nanoTime() - start;
        String result = outcome.isError() ? "error" : outcome.result().name().toLowerCase(Locale.ROOT);
        ctx.metrics().branchCallTime(g.protocol(), opLabel, result, nanos / 1e9);
        Tracing.end(span, result);
        if (!outcome.isSuccess()) { // a success writes nothing: the common path stays as it was
            ctx.attempts().record(g.gid(), branchId + " " + op, at, nanos / 1_000_000, result, outcome.text());
        }
        return outcome;
    }

    private BranchCall branchCall(
            GlobalTrans g, String url, String branchId, String op, byte[] body, Map<String, String> headers) {
        return new BranchCall(
                url,
                g.protocol(),
                g.gid(),
                g.transType().wire(),
                branchId,
                op,
                body,
                body.length > 0 || g.transType() == TransType.XA,
                headers,
                policy.requestTimeout(options),
                this::leaseHeld);
    }

    /** The span of the round this transaction is in, parent of its calls' spans. */
    void traceRound(Span span) {
        roundSpan = span;
    }

    /**
     * Whether a call may still be written: the claim is not known lost and its lease (next_cron_time)
     * ends more than {@link #SEND_MARGIN} from now, time for the request to reach the service before
     * another round may claim the transaction. {@link #holdLease} leaves the call's whole timeout
     * and more, so only a call delayed past its timeout (a paused process) is refused.
     */
    private boolean leaseHeld() {
        return !lost && !parked && now().plus(SEND_MARGIN).isBefore(global().nextCronTime());
    }

    /**
     * Updates next_cron_interval and next_cron_time after a call (docs/protocol.md §9.3): a
     * definitive result resets the interval (extending the lease), ONGOING keeps it, any other
     * error doubles it, or parks the transaction once its retry budget is spent.
     */
    public void afterCall(Outcome outcome, boolean definitive, String url) {
        long reset = policy.resetInterval(options);
        Instant now = now();
        long interval;
        synchronized (this) {
            long current = global.nextCronInterval();
            if (definitive) {
                boolean stale = !now.isBefore(lastTouched.plus(TOUCH_GRACE));
                boolean backedOff = current > ctx.config().retryInterval() && current > options.retryInterval();
                if (!stale && !backedOff) {
                    return;
                }
                interval = reset;
            } else if (outcome.isOngoing()) {
                interval = current;
            } else {
                interval = policy.backoff(current);
            }
        }
        if (definitive || outcome.isOngoing()) {
            touch(interval, now.plusSeconds(interval));
            return;
        }
        GlobalTrans g = global();
        int failures = RetryPolicy.consecutiveFailures(interval, reset);
        String parkReason = policy.parkReason(g, options, failures, now);
        if (parkReason != null) {
            Parking.Mark mark = new Parking.Mark(parkReason, url, outcome.text(), failures, now);
            ctx.parking()
                    .mark(g.gid(), mark, now); // first: a crash after it leaves a stale mark, not a hidden transaction
            parked = true;
            touch(interval, now); // out of every scheduler's reach (Parking.PARKED_UNTIL)
            log.warn("gid {} parked: {}; last error from {}: {}", g.gid(), parkReason, url, outcome.text());
            ctx.metrics().parked(g.transType().wire());
            ctx.alerts().onParked(g.gid(), g.status().wire(), mark);
            return;
        }
        touch(interval, now.plusSeconds(interval));
        ctx.alerts().onFailure(g.gid(), g.status().wire(), url, outcome.text(), failures);
    }

    /** Postpones the next scheduler visit to {@code next} without changing the interval (msg delay). */
    public void postponeTo(Instant next) {
        touch(global().nextCronInterval(), next);
    }

    /**
     * Makes sure the claim outlasts the next call: when the lease (next_cron_time) would end before
     * the call's timeout, it is extended with a fenced write, so a round that lost its claim learns it
     * here and never calls the branch.
     *
     * @throws DtmException when the claim was lost (or the status changed)
     */
    private void holdLease() {
        if (lost) {
            throw claimLost(global());
        }
        if (parked) {
            throw DtmException.error("gid '" + gid() + "': parked, no more calls until it is replayed");
        }
        long callSeconds = policy.requestTimeout(options).toSeconds() + 2;
        Instant now = now();
        GlobalTrans g = global();
        if (now.plusSeconds(callSeconds).isAfter(g.nextCronTime())) {
            touch(g.nextCronInterval(), now.plusSeconds(Math.max(g.nextCronInterval(), callSeconds)));
        }
    }

    private void touch(long interval, Instant next) {
        if (parked) {
            next = Parking.PARKED_UNTIL;
        }
        Instant now = now();
        GlobalTrans g = global();
        long seq = writeSeq.incrementAndGet();
        if (!ctx.store().touchCronTime(g.gid(), g.status(), g.owner(), interval, next, now)) {
            lost = true;
            throw claimLost(g);
        }
        synced(seq);
        synchronized (this) {
            lastTouched = now;
            global = withCron(global, interval, next);
        }
    }

    private synchronized void synced(long seq) {
        lastSyncedWrite = Math.max(lastSyncedWrite, seq);
    }

    /**
     * Makes this round's branch status writes durable if no synchronous write has followed them
     * yet; called when a round ends, so that what a waiting client is told can be read back.
     */
    public void flush() {
        if (lastOrderedWrite > lastSyncedWrite) {
            ctx.store().flush();
        }
    }

    private static DtmException claimLost(GlobalTrans g) {
        return DtmException.error("gid '" + g.gid()
                + "': round stopped: the status changed or another round has claimed the transaction");
    }

    private static GlobalTrans withCron(GlobalTrans g, long interval, Instant next) {
        return new GlobalTrans(
                g.id(),
                g.gid(),
                g.transType(),
                g.status(),
                g.queryPrepared(),
                g.protocol(),
                g.createTime(),
                g.updateTime(),
                g.finishTime(),
                g.rollbackTime(),
                g.options(),
                g.customData(),
                interval,
                next,
                g.owner(),
                g.extData(),
                g.result(),
                g.rollbackReason());
    }

    /**
     * Legacy ext_data headers first, then branch_headers (docs/protocol.md §6.2), then the creating
     * call's trace context unless those name it (docs/observability.md#tracing).
     */
    private Map<String, String> headers(GlobalTrans g) {
        if (g.extData().isEmpty() && options.branchHeaders().isEmpty()) {
            return options.traceContext();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (!g.extData().isEmpty()) {
            try {
                JsonNode legacy = ctx.json().readTree(g.extData()).path("headers");
                legacy.properties()
                        .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
            } catch (Exception e) {
                log.warn("gid {}: ignoring unreadable ext_data: {}", g.gid(), e.getMessage());
            }
        }
        headers.putAll(options.branchHeaders());
        options.traceContext().forEach(headers::putIfAbsent);
        return headers;
    }
}
