package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TraceContext;
import io.dtm4j.protocol.TransOptions;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.invoke.ProtocolInvoker;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The transport-neutral operations on global transactions (prepare, submit, abort, forceStop) and
 * the processing rounds they and the scheduler start. HTTP, gRPC and JSON-RPC adapters call these
 * and only map results.
 */
public final class Engine {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final EngineContext ctx;
    private final Store store;
    private final RetryPolicy policy;
    private final Map<TransType, Processor> processors = new EnumMap<>(TransType.class);
    private final ExecutorService background;
    /**
     * The gids this node runs a round of, each with a future completed when that round ends: one
     * round per gid at a time here. The scheduler claims only gids it could reserve, so a claim never
     * takes the lease of this node's own round; an API round waits for the one running to end.
     */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> rounds = new ConcurrentHashMap<>();

    public Engine(EngineContext ctx, ExecutorService background) {
        this.ctx = ctx;
        this.store = ctx.store();
        this.policy = ctx.retryPolicy();
        this.background = background;
        CustomData customData = new CustomData(ctx.json());
        processors.put(
                TransType.SAGA, new SagaProcessor(customData, ctx.config().requestTimeout()));
        processors.put(TransType.MSG, new MsgProcessor(ctx.topics(), customData));
        processors.put(TransType.TCC, new TccProcessor());
        processors.put(TransType.XA, new XaProcessor());
        processors.put(TransType.WORKFLOW, new WorkflowProcessor(customData));
    }

    /** Stores a new {@code prepared} transaction; a repeated prepare of a prepared gid is a no-op. */
    public void prepare(TransRequest request) {
        TransRequest req = validated(request);
        TransType type = TransValidator.type(req);
        Processor processor = processor(type);
        Instant now = ctx.clock().instant();
        GlobalTrans global = newGlobal(req, type, TransStatus.PREPARED, now);
        List<BranchOp> branches = processor.generateBranches(req, now);
        checkUrls(global, branches);
        if (store.saveNew(global, branches)) {
            return;
        }
        TransStatus status = existing(global.gid()).status();
        if (status != TransStatus.PREPARED) {
            throw DtmException.failure("current status '" + status + "', cannot prepare.");
        }
    }

    /**
     * Submits a transaction (new, or prepared before) and processes it: in the background, or
     * before returning when the request asks for {@code wait_result}.
     */
    public void submit(TransRequest request) {
        TransRequest req = validated(request);
        TransType type = TransValidator.type(req);
        if (type == TransType.WORKFLOW) {
            finishWorkflow(req);
            return;
        }
        Processor processor = processor(type);
        Instant now = ctx.clock().instant();
        GlobalTrans global = newGlobal(req, type, TransStatus.SUBMITTED, now);
        List<BranchOp> branches = processor.generateBranches(req, now);
        checkUrls(global, branches);
        TransOptions options = req.options();
        if (store.saveNew(global, branches)) {
            ActiveTrans fresh = new ActiveTrans(ctx, global, options, branches);
            run(global.gid(), () -> fresh, true, req.waitResult());
            return;
        }
        GlobalTrans stored = existing(global.gid());
        if (stored.status() == TransStatus.PREPARED) {
            var change = new StatusChange(
                    TransStatus.PREPARED, TransStatus.SUBMITTED, now, null, null, null, global.owner());
            if (!store.changeGlobalStatus(stored.gid(), change)) {
                throw DtmException.error("gid '" + stored.gid() + "': status changed while submitting, please retry");
            }
        } else if (stored.status() != TransStatus.SUBMITTED) {
            throw DtmException.failure("current status '" + stored.status() + "', cannot sumbmit.");
        }
        run(stored.gid(), () -> resubmitted(req, global.options()), true, req.waitResult());
    }

    /**
     * The round of a repeated submit (or of the submit of a prepared msg), read when its turn comes:
     * it takes over the stored claim, uses the submitted options and counts delays and timeouts from
     * now (as dtm); unlike dtm, it works on the stored branches, never re-calling finished ones.
     */
    private ActiveTrans resubmitted(TransRequest req, String options) {
        GlobalTrans stored = existing(req.gid());
        Instant now = ctx.clock().instant();
        GlobalTrans current = new GlobalTrans(
                stored.id(),
                stored.gid(),
                stored.transType(),
                stored.status(),
                req.queryPrepared(),
                stored.protocol(),
                now,
                now,
                stored.finishTime(),
                stored.rollbackTime(),
                options,
                req.customData(),
                stored.nextCronInterval(),
                stored.nextCronTime(),
                stored.owner(),
                stored.extData(),
                stored.result(),
                stored.rollbackReason());
        return new ActiveTrans(ctx, current, req.options(), store.findBranches(stored.gid()));
    }

    /** Aborts a prepared msg, or rolls back a tcc/xa transaction (docs/protocol.md §3.5). */
    public void abort(TransRequest request) {
        String gid = TransValidator.gid(request.gid());
        GlobalTrans stored = existing(gid);
        Instant now = ctx.clock().instant();
        if (stored.transType() == TransType.MSG && stored.status() == TransStatus.PREPARED) {
            if (!store.changeGlobalStatus(gid, StatusChange.of(TransStatus.PREPARED, TransStatus.FAILED, now))) {
                throw DtmException.error("gid '" + gid + "': status changed while aborting, please retry");
            }
            return;
        }
        boolean rollbackType =
                request.transType().equals("tcc") || request.transType().equals("xa");
        boolean abortable = stored.status() == TransStatus.PREPARED || stored.status() == TransStatus.ABORTING;
        if (!rollbackType || !abortable) {
            throw DtmException.failure(
                    "trans type: '" + stored.transType() + "' current status '" + stored.status() + "', cannot abort.");
        }
        // prepared -> aborting, or aborting -> aborting again: either way a non-empty reason is
        // stored (docs/protocol.md §3.5)
        String reason = request.rollbackReason().isEmpty() ? null : request.rollbackReason();
        var change = new StatusChange(stored.status(), TransStatus.ABORTING, now, reason, null, null, Gids.newGid());
        if (!store.changeGlobalStatus(gid, change)) {
            throw DtmException.error("gid '" + gid + "': status changed while aborting, please retry");
        }
        run(gid, () -> stored(gid), false, request.waitResult());
    }

    /**
     * Records branches of a prepared tcc, xa or workflow transaction (docs/protocol.md §3.6): tcc
     * and xa get a rollback row and a commit row, workflow one row with the recorded op, status and
     * result.
     */
    public void registerBranch(Map<String, String> fields) {
        registerBranch(fields, fields.getOrDefault("data", "").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * As {@link #registerBranch(Map)}, with the branch data given as raw bytes (gRPC {@code
     * BusiPayload}) instead of the {@code data} field.
     */
    public void registerBranch(Map<String, String> fields, byte[] data) {
        String gid = TransValidator.gid(fields.getOrDefault("gid", ""));
        String branchId = fields.getOrDefault("branch_id", "");
        if (branchId.isEmpty()) {
            throw DtmException.badRequest("branch_id is missing or empty");
        }
        Instant now = ctx.clock().instant();
        String type = fields.getOrDefault("trans_type", "");
        List<BranchOp> rows = switch (type) {
            case "tcc" ->
                List.of(
                        BranchOp.create(gid, branchId, Ops.CANCEL, fields.get(Ops.CANCEL), data, now),
                        BranchOp.create(gid, branchId, Ops.CONFIRM, fields.get(Ops.CONFIRM), data, now));
            case "xa" ->
                List.of(
                        BranchOp.create(gid, branchId, Ops.ROLLBACK, fields.get("url"), data, now),
                        BranchOp.create(gid, branchId, Ops.COMMIT, fields.get("url"), data, now));
            case "workflow" -> List.of(workflowStep(gid, branchId, fields, data, now));
            default -> throw DtmException.error("unknow trans type: " + type);
        };
        TransValidator.payloadSize("data", data.length, ctx.config().admission());
        for (BranchOp row : rows) { // the transaction's protocol is not read here: any callable URL passes
            BranchUrls.notBroker(
                    "branch " + branchId + " " + row.op(),
                    row.url(),
                    "cannot report a " + type + " branch's business result");
            ctx.branchUrls().check("branch " + branchId + " " + row.op(), row.url(), ProtocolInvoker.GRPC);
        }
        switch (store.appendBranches(gid, TransStatus.PREPARED, rows)) {
            case APPENDED -> {}
            case STATUS_MISMATCH -> throw DtmException.failure("no trans with gid: " + gid + " status: prepared found");
            case DUPLICATE ->
                throw DtmException.error("gid '" + gid + "': branch " + branchId + " op "
                        + rows.get(0).op() + " is already registered");
        }
    }

    /** The state a workflow client resumes from. */
    public record WorkflowState(GlobalTrans transaction, List<BranchOp> progresses) {}

    /** Starts a workflow, or returns the stored one with its recorded steps when the gid exists. */
    public WorkflowState prepareWorkflow(TransRequest request) {
        TransRequest req = validated(request);
        if (TransValidator.type(req) != TransType.WORKFLOW) {
            throw DtmException.badRequest("prepareWorkflow needs trans_type 'workflow', not '" + req.transType() + "'");
        }
        GlobalTrans global = newGlobal(
                req, TransType.WORKFLOW, TransStatus.PREPARED, ctx.clock().instant());
        checkUrls(global, List.of());
        if (store.saveNew(global, List.of())) {
            return new WorkflowState(store.findGlobal(global.gid()).orElse(global), List.of());
        }
        return new WorkflowState(existing(global.gid()), store.findBranches(global.gid()));
    }

    /**
     * Workflow submit: the client reports the outcome it reached; nothing is called
     * (docs/protocol.md §8.6).
     */
    private void finishWorkflow(TransRequest req) {
        Map<String, String> extra = req.reqExtra();
        TransStatus to = TransStatus.fromWire(extra.getOrDefault("status", ""))
                .filter(TransStatus::isFinished)
                .orElseThrow(() -> DtmException.badRequest("req_extra.status must be 'succeed' or 'failed', not '"
                        + extra.getOrDefault("status", "") + "'"));
        GlobalTrans stored = existing(req.gid());
        var change = new StatusChange(
                TransStatus.PREPARED,
                to,
                ctx.clock().instant(),
                emptyToNull(extra.get("rollback_reason")),
                emptyToNull(extra.get("result")),
                null,
                null);
        if (stored.status() != TransStatus.PREPARED || !store.changeGlobalStatus(req.gid(), change)) {
            throw DtmException.error("gid '" + req.gid() + "': cannot submit the workflow, status is '"
                    + store.findGlobal(req.gid()).map(GlobalTrans::status).orElse(stored.status())
                    + "' (expected 'prepared')");
        }
    }

    private static BranchOp workflowStep(
            String gid, String branchId, Map<String, String> fields, byte[] data, Instant now) {
        String op = fields.getOrDefault("op", "");
        if (op.isEmpty()) {
            throw DtmException.badRequest("op is missing or empty");
        }
        TransStatus status = TransStatus.fromWire(fields.getOrDefault("status", "prepared"))
                .filter(s -> s == TransStatus.PREPARED || s == TransStatus.SUCCEED || s == TransStatus.FAILED)
                .orElseThrow(() -> DtmException.badRequest(
                        "status must be prepared, succeed or failed, not '" + fields.get("status") + "'"));
        BranchOp row = BranchOp.create(gid, branchId, op, "", data, now);
        return status == TransStatus.PREPARED ? row : row.withStatus(status, now);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * Stops a transaction for good: {@code failed}, no further calls, no compensation
     * (docs/protocol.md §8.7).
     */
    public void forceStop(String rawGid) {
        String gid = TransValidator.gid(rawGid);
        GlobalTrans stored = existing(gid);
        if (stored.status().isFinished()) {
            throw new DtmException(
                    DtmException.Kind.FAILURE,
                    "global transaction force stop error. status: " + stored.status() + ". error: FAILURE");
        }
        var change =
                StatusChange.of(stored.status(), TransStatus.FAILED, ctx.clock().instant());
        if (!store.changeGlobalStatus(gid, change)) {
            throw DtmException.error("gid '" + gid + "': status changed while stopping, please retry");
        }
    }

    /** The record of parked transactions. */
    public Parking parking() {
        return ctx.parking();
    }

    /** The outcome of a replay or stop of one parked transaction. */
    public enum ParkedAction {
        DONE,
        /** the transaction is not parked (unknown, finished, replayed already): nothing changed */
        NOT_PARKED
    }

    /**
     * Replays a parked transaction: it becomes due now with its retry interval reset, so the next
     * scheduler round resumes it where it stopped with a fresh retry budget (an age budget, if set,
     * still counts from its creation). The mark goes after the transaction is due again.
     */
    public ParkedAction replayParked(String rawGid) {
        String gid = TransValidator.gid(rawGid);
        Optional<GlobalTrans> g = store.findGlobal(gid).filter(Parking::isParked);
        if (g.isEmpty()) {
            return ParkedAction.NOT_PARKED; // a stale mark goes when listed
        }
        Instant now = ctx.clock().instant();
        long interval = policy.resetInterval(parseOptions(g.get()));
        if (!store.touchCronTime(gid, g.get().status(), null, interval, now, now)) {
            return ParkedAction.NOT_PARKED; // its status changed meanwhile: it is no longer parked
        }
        ctx.parking().forget(gid);
        return ParkedAction.DONE;
    }

    /** Stops a parked transaction for good ({@link #forceStop}) and drops its mark. */
    public ParkedAction stopParked(String rawGid) {
        String gid = TransValidator.gid(rawGid);
        if (store.findGlobal(gid).filter(Parking::isParked).isEmpty()) {
            return ParkedAction.NOT_PARKED;
        }
        forceStop(gid);
        ctx.parking().forget(gid);
        return ParkedAction.DONE;
    }

    /** Makes the scheduler pick the transaction up right away (any status). */
    public void resetNextCronTime(String rawGid) {
        String gid = TransValidator.gid(rawGid);
        if (!store.resetNextCronTime(gid, ctx.clock().instant())) {
            throw notFound(gid);
        }
    }

    /**
     * Reserves {@code gid} for a round on this node.
     *
     * @return false when a round of it runs here already
     */
    public boolean reserve(String gid) {
        return rounds.putIfAbsent(gid, new CompletableFuture<>()) == null;
    }

    /** Ends the reservation of {@code gid}: a round waiting for it may start. */
    public void release(String gid) {
        CompletableFuture<Void> ended = rounds.remove(gid);
        if (ended != null) {
            ended.complete(null);
        }
    }

    /**
     * Runs one round for a transaction the scheduler claimed and reserved ({@link #reserve}), then
     * releases it; errors are logged, not thrown.
     */
    public void processClaimed(GlobalTrans claimed) {
        try {
            Processor processor = processors.get(claimed.transType());
            if (processor == null) {
                log.warn("gid {}: no processor for trans type {}", claimed.gid(), claimed.transType());
                return;
            }
            TransOptions options = parseOptions(claimed);
            round(new ActiveTrans(ctx, claimed, options, store.findBranches(claimed.gid())));
        } catch (DtmException e) {
            log.info("gid {}: round ended with {}", claimed.gid(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("gid {}: round failed", claimed.gid(), e);
        } finally {
            release(claimed.gid());
        }
    }

    /** Returns how many transactions this node is processing right now. */
    public int activeRounds() {
        return rounds.size();
    }

    /**
     * Runs a round of {@code gid} that the API started: right away when no round of it runs here,
     * else once that one has ended (it may have finished the work, or lost its claim to this
     * request). {@code load} reads the transaction when the turn comes.
     *
     * @param submitted a wait_result caller learns whether the transaction succeeded
     */
    private void run(String gid, Supplier<ActiveTrans> load, boolean submitted, boolean waitResult) {
        boolean reserved = reserve(gid); // before answering, so that no claim slips in meanwhile
        if (!waitResult) {
            background.execute(() -> {
                try {
                    runReserved(gid, load, reserved);
                } catch (RuntimeException e) {
                    log.info("gid {}: round ended with {}", gid, e.getMessage());
                }
            });
            return;
        }
        ActiveTrans trans = runReserved(gid, load, reserved);
        if (submitted && trans.status() != TransStatus.SUCCEED) {
            String reason = trans.global().rollbackReason();
            throw reason.isEmpty()
                    ? DtmException.failure("wait result not return success:")
                    : DtmException.failure(reason);
        }
    }

    private ActiveTrans runReserved(String gid, Supplier<ActiveTrans> load, boolean reserved) {
        while (!reserved) {
            CompletableFuture<Void> running = rounds.get(gid);
            if (running != null) {
                running.join();
            }
            reserved = reserve(gid);
        }
        try {
            ActiveTrans trans = load.get();
            if (!trans.status().isFinished()) { // a round that ran meanwhile may have finished it
                round(trans);
            }
            return trans;
        } finally {
            release(gid);
        }
    }

    /** A round on the stored state of {@code gid} as it is now (package-private for tests of races). */
    ActiveTrans stored(String gid) {
        GlobalTrans g = existing(gid);
        return new ActiveTrans(ctx, g, parseOptions(g), store.findBranches(gid));
    }

    private void round(ActiveTrans trans) {
        MDC.put("gid", trans.gid());
        String traceId = TraceContext.traceId(trans.options().traceContext());
        if (traceId != null) {
            MDC.put("trace_id", traceId);
        }
        boolean ok = false;
        long start = System.nanoTime();
        Span span = ctx.tracing().round(trans);
        trans.traceRound(span);
        // current, so that store writes (TimedStore) and branch threads see it
        Scope scope = span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop();
        try {
            processors.get(trans.type()).processOnce(trans);
            ok = true;
        } catch (DtmException e) {
            throw e;
        } catch (RuntimeException e) {
            span.recordException(e);
            log.error("gid {}: processing failed", trans.gid(), e);
            throw new DtmException(DtmException.Kind.ERROR, e.getMessage(), e);
        } finally {
            trans.flush();
            double age =
                    Duration.between(trans.global().createTime(), ctx.clock().instant())
                                    .toMillis()
                            / 1000.0;
            ctx.metrics().transactionRound(trans.type().wire(), ok, age);
            ctx.metrics().roundTime(trans.type().wire(), ok, (System.nanoTime() - start) / 1e9);
            span.setAttribute("dtm.status_after", trans.status().wire());
            String reason = trans.global().rollbackReason();
            if (reason != null && !reason.isEmpty()) {
                span.setAttribute("dtm.rollback_reason", reason);
            }
            if (!ok) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            scope.close();
            MDC.remove("gid");
            MDC.remove("trace_id");
        }
    }

    private TransRequest validated(TransRequest r) {
        String gid = TransValidator.gid(r.gid());
        TransValidator.times(r);
        TransValidator.steps(r, TransValidator.type(r), ctx.config().admission());
        return new TransRequest(
                gid,
                r.transType(),
                r.steps(),
                r.payloads(),
                r.customData(),
                r.queryPrepared(),
                r.protocol(),
                r.waitResult(),
                r.timeoutToFail(),
                r.requestTimeout(),
                r.retryInterval(),
                r.branchHeaders(),
                r.concurrent(),
                r.retryLimit(),
                r.retryCount(),
                r.parkAfterRetries(),
                r.parkAfterSeconds(),
                TraceContext.from(r.traceContext()::get), // what a client sent as JSON too
                r.rollbackReason(),
                r.reqExtra(),
                r.binPayloads());
    }

    /** Refuses a transaction whose branch or callback URLs the server cannot or may not call. */
    private void checkUrls(GlobalTrans global, List<BranchOp> branches) {
        BranchUrls urls = ctx.branchUrls();
        String callback = global.transType() == TransType.WORKFLOW ? "workflow callback" : "query_prepared";
        BranchUrls.notBroker(callback, global.queryPrepared(), "cannot answer the server");
        urls.check(callback, global.queryPrepared(), global.protocol());
        boolean publishes = global.transType() == TransType.MSG || global.transType() == TransType.SAGA;
        for (BranchOp b : branches) {
            if (!publishes) {
                BranchUrls.notBroker(
                        "branch " + b.branchId() + " " + b.op(),
                        b.url(),
                        "cannot report a " + global.transType().wire() + " branch's business result");
            }
            urls.check("branch " + b.branchId() + " " + b.op(), b.url(), global.protocol());
        }
    }

    /** The last unsuccessful calls of each branch of {@code gid} (docs/operations.md#attempts). */
    public Map<String, List<Attempts.Attempt>> attempts(String rawGid) {
        return ctx.attempts().of(TransValidator.gid(rawGid));
    }

    /**
     * Refuses a topic subscriber URL the server cannot or may not call (docs/security.md).
     *
     * @throws DtmException a bad request naming the URL and why
     */
    public void checkSubscriber(String url) {
        ctx.branchUrls().check("subscriber", url, ProtocolInvoker.GRPC);
    }

    private Processor processor(TransType type) {
        return processors.get(type);
    }

    private GlobalTrans newGlobal(TransRequest req, TransType type, TransStatus status, Instant now) {
        TransOptions options = req.options();
        long interval = policy.resetInterval(options);
        if (type == TransType.SAGA) {
            new CustomData(ctx.json()).sagaPlan(req.customData(), req.steps().size()); // reject bad orders now
        }
        return new GlobalTrans(
                0,
                req.gid(),
                type,
                status,
                req.queryPrepared(),
                req.protocol().isEmpty() ? "http" : req.protocol(),
                now,
                now,
                null,
                null,
                writeOptions(options),
                req.customData(),
                interval,
                now.plusSeconds(interval),
                Gids.newGid(), // the claim of the round the API starts; a later scheduler claim fences it
                "",
                "",
                "");
    }

    private String writeOptions(TransOptions options) {
        try {
            return ctx.json().writeValueAsString(options);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private TransOptions parseOptions(GlobalTrans g) {
        if (g.options().isEmpty()) {
            return TransOptions.NONE;
        }
        try {
            return ctx.json().readValue(g.options(), TransOptions.class);
        } catch (Exception e) {
            log.warn("gid {}: unreadable options '{}', using defaults", g.gid(), g.options());
            return TransOptions.NONE;
        }
    }

    private GlobalTrans existing(String gid) {
        return store.findGlobal(gid).orElseThrow(() -> notFound(gid));
    }

    private static DtmException notFound(String gid) {
        return DtmException.error("no TransGlobal with gid: " + gid + " found");
    }
}
