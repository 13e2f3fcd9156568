package io.dtm4j.client.workflow;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One run of a workflow, handed to its {@link WorkflowHandler}. The handler opens branches with
 * {@link #newBranch()}; each branch has at most one action, a local step ({@link #doAction}), a
 * local XA transaction ({@link #doXa}), an HTTP call ({@link #post}, {@link #send}) or, in an
 * engine over gRPC, a gRPC call ({@link #invoke}), and at most one commit and one rollback callback.
 *
 * <p>Actions are recorded with the server once they end definitively (success or FAILURE); when
 * the workflow is resumed after a crash or an unfinished step, recorded actions return their
 * recorded outcome without running again. Once the handler returns, the commit callbacks run in
 * reverse order of registration; if it threw {@link DtmFailureException}, the rollback callbacks
 * do. Each callback is recorded too, under the op {@code commit} or {@code rollback}.
 *
 * <pre>{@code
 * workflows.register("transfer", (wf, data) -> {
 *     wf.newBranch().onRollback(bb -> wf.post(busi + "/TransOutRevert", data));
 *     wf.post(busi + "/TransOut", data);
 *     wf.newBranch().onRollback(bb -> wf.post(busi + "/TransInRevert", data));
 *     wf.post(busi + "/TransIn", data);
 *     return null;
 * });
 * }</pre>
 *
 * <p>Not thread-safe: use it only from the thread running the handler.
 */
public final class Workflow {
    private static final int MAX_BRANCHES = 99;
    /** The op recorded inside an XA step's transaction, before it is prepared. */
    private static final String BUSINESS = "business";

    /** A second-phase callback of one branch. */
    private record Phase2(String branchId, Phase2Callback callback) {}

    private final DtmClient dtm;
    private final WorkflowTransport transport;
    private final String gid;
    private final String name;
    private final boolean compensateErrorBranch;
    private final Map<String, StepResult> progresses;

    private final List<Phase2> commits = new ArrayList<>();
    private final List<Phase2> rollbacks = new ArrayList<>();
    private int branches;
    private String branchId = "";
    private String op = Ops.ACTION;
    private boolean actionAdded;
    private boolean commitAdded;
    private boolean rollbackAdded;
    /** The current branch's rollback, while it may still be dropped because its action failed. */
    private Phase2 currentRollback;

    Workflow(
            DtmClient dtm,
            WorkflowTransport transport,
            String gid,
            String name,
            boolean compensateErrorBranch,
            Map<String, StepResult> progresses) {
        this.dtm = dtm;
        this.transport = transport;
        this.gid = gid;
        this.name = name;
        this.compensateErrorBranch = compensateErrorBranch;
        this.progresses = progresses;
    }

    /** The workflow's global transaction id. */
    public String gid() {
        return gid;
    }

    /** The name the workflow was registered under. */
    public String name() {
        return name;
    }

    /** The current branch id ({@code 01}, {@code 02}…), or an empty string before {@link #newBranch()}. */
    public String branchId() {
        return branchId;
    }

    /** The current op: {@code action} while the handler runs, {@code commit} or {@code rollback} in callbacks. */
    public String op() {
        return op;
    }

    /**
     * Opens the next branch ({@code 01}, {@code 02}, … up to {@code 99}); the following action and
     * callbacks belong to it.
     *
     * @throws IllegalStateException inside a callback, or after 99 branches
     */
    public Workflow newBranch() {
        requireActionPhase("newBranch()");
        if (branches == MAX_BRANCHES) {
            throw new IllegalStateException(
                    "workflow " + gid + ": at most " + MAX_BRANCHES + " branches (branch ids are two digits)");
        }
        branchId = "%02d".formatted(++branches);
        actionAdded = false;
        commitAdded = false;
        rollbackAdded = false;
        currentRollback = null;
        return this;
    }

    /**
     * Registers the current branch's commit callback, run if the workflow succeeds.
     *
     * @throws IllegalStateException before {@link #newBranch()}, inside a callback, or when the
     *     branch already has a commit callback
     */
    public Workflow onCommit(Phase2Callback callback) {
        Objects.requireNonNull(callback, "callback");
        requireActionPhase("onCommit()");
        requireBranch("onCommit()");
        if (commitAdded) {
            throw new IllegalStateException(
                    "workflow " + gid + ": branch " + branchId + " already has a commit callback");
        }
        commitAdded = true;
        commits.add(new Phase2(branchId, callback));
        return this;
    }

    /**
     * Registers the current branch's rollback callback, run if the workflow fails. Register it
     * before the branch's action: then it runs even when the action's outcome was lost in a crash.
     * If that action fails definitively, the callback is dropped unless the workflow was registered
     * with {@link WorkflowOption#COMPENSATE_ERROR_BRANCH}.
     *
     * @throws IllegalStateException before {@link #newBranch()}, inside a callback, or when the
     *     branch already has a rollback callback
     */
    public Workflow onRollback(Phase2Callback callback) {
        Objects.requireNonNull(callback, "callback");
        requireActionPhase("onRollback()");
        requireBranch("onRollback()");
        if (rollbackAdded) {
            throw new IllegalStateException(
                    "workflow " + gid + ": branch " + branchId + " already has a rollback callback");
        }
        rollbackAdded = true;
        currentRollback = new Phase2(branchId, callback);
        rollbacks.add(currentRollback);
        return this;
    }

    /** Registers {@code callback} as both the commit and the rollback callback of the current branch. */
    public Workflow onFinish(FinishCallback callback) {
        Objects.requireNonNull(callback, "callback");
        onCommit(barrier -> callback.run(barrier, false));
        return onRollback(barrier -> callback.run(barrier, true));
    }

    /**
     * Runs {@code step} as the current branch's action and records its outcome, or returns the
     * outcome recorded by an earlier run without running it. Inside a callback it simply runs
     * {@code step} (the callback as a whole is recorded).
     *
     * @return the step's result
     * @throws DtmFailureException when the step failed definitively, now or in an earlier run
     * @throws DtmException wrapping a checked exception of the step, or when recording failed;
     *     runtime exceptions of the step are rethrown as they are
     * @throws IllegalStateException before {@link #newBranch()} or when the branch already has an action
     */
    public byte[] doAction(WorkflowStep step) {
        Objects.requireNonNull(step, "step");
        return action(barrier -> local(step, barrier)).value();
    }

    /** {@link #send} with POST and no extra headers. */
    public String post(String url, Object body) {
        return send("POST", url, Map.of(), body);
    }

    /**
     * Calls a business service over HTTP as the current branch's action (or, inside a callback, as
     * part of it), recorded like {@link #doAction}. The query gets {@code gid}, {@code
     * trans_type=workflow}, {@code branch_id} and {@code op}. Only the status code counts: 200 is
     * success, 409 FAILURE, 425 ONGOING, anything else an error; the body is not searched for
     * result words. A recorded success returns the recorded body without calling.
     *
     * @param method the HTTP method, e.g. {@code POST}
     * @param headers extra request headers
     * @param body a String or byte[] sent as it is, an object written as JSON, or null for none
     * @return the response body
     * @throws DtmFailureException for 409 (or a recorded failure), DtmOngoingException for 425,
     *     DtmException for other statuses, no response, or a failed recording
     */
    public String send(String method, String url, Map<String, String> headers, Object body) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(headers, "headers");
        byte[] bytes = Payloads.bytes(body);
        StepResult result = action(barrier -> call(method, url, headers, bytes));
        return new String(result.value(), StandardCharsets.UTF_8);
    }

    /**
     * Calls a gRPC business method as the current branch's action (or, inside a callback, as part
     * of it), recorded like {@link #doAction}; needs an engine over gRPC ({@link Workflows#grpc}).
     * The call carries the metadata {@code dtm-gid}, {@code dtm-trans_type=workflow}, {@code
     * dtm-branch_id}, {@code dtm-op} and {@code dtm-dtm}. Status OK is success (the reply is
     * recorded), ABORTED a FAILURE (recorded), FAILED_PRECONDITION ONGOING and any other status an
     * error (both left unrecorded, so the call is made again on resume). A recorded success returns
     * the recorded reply without calling.
     *
     * <pre>{@code
     * Reply reply = Reply.parseFrom(wf.invoke("busi:58081/busi.Busi/TransIn", request));
     * }</pre>
     *
     * @param url {@code host:port/package.Service/Method}
     * @param request a protobuf message, byte[] or String (sent as UTF-8), or null for an empty request
     * @return the reply message's bytes
     * @throws DtmFailureException for ABORTED (or a recorded failure), DtmOngoingException for
     *     FAILED_PRECONDITION, DtmException for other statuses or a failed recording
     * @throws IllegalArgumentException when {@code url} is not {@code host:port/package.Service/Method}
     *     or {@code request} has another type
     * @throws UnsupportedOperationException in an engine over HTTP
     */
    public byte[] invoke(String url, Object request) {
        Objects.requireNonNull(url, "url");
        if (!dtm.isGrpc()) {
            throw new UnsupportedOperationException(
                    "workflow " + gid + ": invoke() makes gRPC calls and needs an engine over gRPC (Workflows.grpc)");
        }
        byte[] bytes = dtm.encode(request);
        return action(barrier -> invokeGrpc(url, bytes)).value();
    }

    /**
     * Runs {@code step} as the current branch's action in a local XA transaction of {@code db}
     * (xid {@code <gid>-<branch_id>}) and leaves it prepared; the workflow's outcome then commits
     * or rolls it back, as the branch's commit and rollback callbacks. Recorded like {@link
     * #doAction}; besides, the engine records op {@code business} inside the XA transaction, so that
     * a run that stopped between prepare and the record of the action is known on resume: such a
     * branch fails ("not resumable") and the workflow rolls back, which releases the prepared
     * transaction.
     *
     * <pre>{@code
     * wf.newBranch().doXa(XaLocalTransaction.of(unpooledDataSource), xa -> debit(xa, 30));
     * }</pre>
     *
     * @return the step's result
     * @throws DtmFailureException when the step failed definitively, now or in an earlier run
     * @throws IllegalStateException before {@link #newBranch()}, inside a callback, or when the
     *     branch already has an action or a callback (the XA step brings its own)
     */
    public byte[] doXa(XaLocalTransaction db, XaStep step) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(step, "step");
        requireActionPhase("doXa()");
        requireBranch("doXa()");
        if (commitAdded || rollbackAdded) {
            throw new IllegalStateException("workflow " + gid + ": branch " + branchId
                    + " has its own callbacks; an XA step needs a branch of its own");
        }
        String xid = gid + "-" + branchId;
        StepResult result = action(barrier -> prepareXa(db, xid, step));
        // registered whatever the action's outcome: a branch that failed as not resumable may hold a
        // prepared transaction, and finishing an unknown xid does nothing
        Phase2 finish = new Phase2(branchId, barrier -> {
            if (op.equals(Ops.COMMIT)) {
                db.commit(xid);
            } else {
                db.rollback(xid);
            }
        });
        commitAdded = true;
        rollbackAdded = true;
        commits.add(finish);
        rollbacks.add(finish);
        return result.value();
    }

    /**
     * The identity of the current branch and op ({@code workflow}, gid, branch id, op), e.g. for a
     * barrier of another kind than {@link #barrier()}.
     *
     * @throws IllegalStateException before {@link #newBranch()}
     */
    public BranchIdentity branchIdentity() {
        requireBranch("branchIdentity()");
        return new BranchIdentity(TransType.WORKFLOW.wire(), gid, branchId, op);
    }

    /**
     * A new SQL barrier for the current branch and op, so that database work of a step or callback
     * takes effect at most once. Steps and callbacks also receive one as their argument.
     */
    public BranchBarrier barrier() {
        return BranchBarrier.of(branchIdentity());
    }

    /** Runs the commit callbacks (or, if {@code rollback}, the rollback callbacks) in reverse order. */
    void finish(boolean rollback) {
        op = rollback ? Ops.ROLLBACK : Ops.COMMIT;
        List<Phase2> callbacks = rollback ? rollbacks : commits;
        for (Phase2 p : callbacks.reversed()) {
            branchId = p.branchId();
            recorded(barrier -> phase2(p, barrier)).value();
        }
    }

    /** Runs the current branch's one action through its record. */
    private StepResult action(Function<BranchBarrier, StepResult> work) {
        if (!op.equals(Ops.ACTION)) {
            return work.apply(barrier()); // part of a callback, which is recorded as a whole
        }
        requireBranch("an action");
        if (actionAdded) {
            throw new IllegalStateException("workflow " + gid + ": branch " + branchId
                    + " already has an action; call newBranch() before the next one");
        }
        actionAdded = true;
        StepResult result = recorded(work);
        if (result.kind() == StepResult.Kind.FAILED && currentRollback != null && !compensateErrorBranch) {
            rollbacks.remove(currentRollback); // a failed action is taken to have left nothing to undo
            currentRollback = null;
        }
        return result;
    }

    /** Returns the recorded outcome of the current branch and op, or runs {@code work} and records it. */
    private StepResult recorded(Function<BranchBarrier, StepResult> work) {
        StepResult stored = progresses.get(branchId + "-" + op);
        if (stored != null) {
            return stored;
        }
        StepResult result = work.apply(barrier());
        if (result.isDefinitive()) {
            record(result);
        }
        return result;
    }

    private void record(StepResult result) {
        try {
            transport.record(gid, branchId, op, result);
        } catch (RuntimeException e) {
            // not a business FAILURE: the step's outcome is unknown to the server, so the workflow must
            // stay unfinished rather than roll back (e.g. another run of the same gid recorded it first)
            throw new DtmException(
                    "workflow " + gid + ": cannot record branch " + branchId + " op " + op + ": " + e.getMessage(), e);
        }
    }

    private StepResult call(String method, String url, Map<String, String> headers, byte[] body) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("gid", gid);
        query.put("trans_type", TransType.WORKFLOW.wire());
        query.put("branch_id", branchId);
        query.put("op", op);
        DtmClient.Response r;
        try {
            r = dtm.exchange(method, url, query, headers, body);
        } catch (DtmException e) {
            return StepResult.unfinished(e);
        }
        String text = "http status " + r.status() + ": " + r.body();
        return switch (r.status()) {
            case 200 -> StepResult.succeeded(r.body().getBytes(StandardCharsets.UTF_8));
            case 409 -> StepResult.failed(new DtmFailureException(text));
            case 425 -> StepResult.unfinished(new DtmOngoingException(text));
            default -> StepResult.unfinished(new DtmException(text));
        };
    }

    private StepResult invokeGrpc(String url, byte[] request) {
        try {
            return StepResult.succeeded(dtm.invokeBranch(url, branchIdentity(), Map.of(), request, Map.of()));
        } catch (DtmFailureException e) {
            return StepResult.failed(e);
        } catch (DtmException e) {
            return StepResult.unfinished(e); // ONGOING or another error status
        }
    }

    private StepResult prepareXa(XaLocalTransaction db, String xid, XaStep step) {
        if (progresses.containsKey(branchId + "-" + BUSINESS)) {
            return StepResult.failed(new DtmFailureException("workflow " + gid + ": the XA step of branch " + branchId
                    + " stopped after its business was recorded and may be prepared; not resumable, rolling back"));
        }
        byte[][] result = new byte[1][];
        try {
            db.prepare(xid, xa -> {
                result[0] = step.run(xa);
                transport.record(gid, branchId, BUSINESS, StepResult.succeeded(result[0]));
            });
        } catch (DtmFailureException e) {
            return StepResult.failed(e);
        } catch (RuntimeException e) {
            return StepResult.unfinished(e);
        }
        return StepResult.succeeded(result[0]);
    }

    private StepResult local(WorkflowStep step, BranchBarrier barrier) {
        try {
            return StepResult.succeeded(step.run(barrier));
        } catch (DtmFailureException e) {
            return StepResult.failed(e);
        } catch (RuntimeException e) {
            return StepResult.unfinished(e);
        } catch (Exception e) {
            return StepResult.unfinished(checked(e, "step"));
        }
    }

    private StepResult phase2(Phase2 p, BranchBarrier barrier) {
        try {
            p.callback().run(barrier);
            return StepResult.succeeded(StepResult.EMPTY);
        } catch (DtmFailureException e) {
            return StepResult.unfinished(new IllegalStateException(
                    "workflow " + gid + ": the " + op + " callback of branch " + p.branchId()
                            + " threw a FAILURE, but second-phase callbacks must eventually succeed;"
                            + " it will run again when the workflow resumes",
                    e));
        } catch (RuntimeException e) {
            return StepResult.unfinished(e);
        } catch (Exception e) {
            return StepResult.unfinished(checked(e, op + " callback"));
        }
    }

    private DtmException checked(Exception e, String what) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new DtmException("workflow " + gid + ": " + what + " of branch " + branchId + " threw " + e, e);
    }

    private void requireActionPhase(String what) {
        if (!op.equals(Ops.ACTION)) {
            throw new IllegalStateException(
                    "workflow " + gid + ": " + what + " cannot be used inside a " + op + " callback");
        }
    }

    private void requireBranch(String what) {
        if (branchId.isEmpty()) {
            throw new IllegalStateException("workflow " + gid + ": call newBranch() before " + what);
        }
    }
}
