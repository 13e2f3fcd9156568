package io.dtm4j.faults.workload;

import static io.dtm4j.faults.bank.BankOps.CREDIT;
import static io.dtm4j.faults.bank.BankOps.CREDIT_CANCEL;
import static io.dtm4j.faults.bank.BankOps.CREDIT_CONFIRM;
import static io.dtm4j.faults.bank.BankOps.CREDIT_REVERT;
import static io.dtm4j.faults.bank.BankOps.CREDIT_TRY;
import static io.dtm4j.faults.bank.BankOps.DEBIT;
import static io.dtm4j.faults.bank.BankOps.DEBIT_CANCEL;
import static io.dtm4j.faults.bank.BankOps.DEBIT_CONFIRM;
import static io.dtm4j.faults.bank.BankOps.DEBIT_REVERT;
import static io.dtm4j.faults.bank.BankOps.DEBIT_TRY;
import static io.dtm4j.faults.bank.BankOps.QUERY_PREPARED;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmDuplicatedException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.client.workflow.Workflows;
import io.dtm4j.faults.bank.BankDatabase;
import io.dtm4j.faults.bank.BranchPayload;
import io.dtm4j.faults.cluster.BankNode;
import io.dtm4j.faults.cluster.ServerNode;
import io.dtm4j.faults.workload.Transfer.Transport;
import io.dtm4j.protocol.Ops;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one {@link Transfer} with the SDK, as an application would, and records what the client saw
 * in its {@link Attempt}. Every branch runs inside the barrier of the bank it calls.
 */
final class TransferRunner implements AutoCloseable {
    private static final String WORKFLOW = "transfer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ServerNode> nodes;
    private final Map<String, BankNode> banks;
    private final WorkflowHost workflowHost;
    private final Map<Integer, Workflows> workflows = new ConcurrentHashMap<>();
    /** Attempts of running workflows by gid: the handler acknowledges them, since it runs after prepare. */
    private final Map<String, Attempt> runningWorkflows = new ConcurrentHashMap<>();

    TransferRunner(List<ServerNode> nodes, Map<String, BankNode> banks) throws IOException {
        this.nodes = nodes;
        this.banks = banks;
        this.workflowHost = new WorkflowHost();
        for (int i = 0; i < nodes.size(); i++) {
            Workflows w = Workflows.http(nodes.get(i).httpClient(), workflowHost.callbackUrl(i));
            w.register(WORKFLOW, this::workflow);
            workflows.put(i, w);
            workflowHost.register(i, w);
        }
    }

    /** Runs {@code transfer} to its client-side end (the server may still be working on it). */
    Attempt run(Transfer transfer) {
        Attempt attempt = new Attempt(transfer);
        long started = System.nanoTime();
        String answer;
        try {
            execute(transfer, attempt);
            answer = "ok";
        } catch (DtmFailureException e) {
            answer = "failure";
        } catch (DtmOngoingException e) {
            answer = "ongoing";
        } catch (DtmDuplicatedException e) {
            answer = "duplicated";
        } catch (RuntimeException e) {
            answer = "error: " + e.getMessage();
        }
        attempt.finish(answer, System.nanoTime() - started);
        return attempt;
    }

    private void execute(Transfer t, Attempt attempt) {
        ServerNode node = nodes.get(t.node());
        boolean grpc = t.transport() == Transport.GRPC;
        DtmClient dtm = grpc ? node.grpcClient() : node.httpClient();
        Side from = new Side(banks.get(t.fromBank()), new BranchPayload(t.fromAccount(), t.amount()), grpc);
        Side to = new Side(banks.get(t.toBank()), new BranchPayload(t.toAccount(), t.amount()), grpc);
        switch (t.mode()) {
            case SAGA, CONCURRENT_SAGA -> {
                var saga = dtm.saga(t.gid())
                        .add(from.url(DEBIT), from.url(DEBIT_REVERT), from.body())
                        .add(to.url(CREDIT), to.url(CREDIT_REVERT), to.body());
                if (t.mode() == Mode.CONCURRENT_SAGA) {
                    saga.enableConcurrent();
                }
                saga.submit();
                attempt.acknowledge();
            }
            case MSG ->
                dtm.msg(t.gid())
                        .add(to.url(CREDIT), to.body())
                        .doAndSubmitDb(from.url(QUERY_PREPARED), from.bank.db(), tx -> {
                            attempt.acknowledge(); // the local transaction runs after a successful prepare
                            BankDatabase.move(
                                    tx,
                                    t.gid(),
                                    Ops.RESERVED_BRANCH_ID,
                                    Ops.MSG,
                                    t.fromAccount(),
                                    -t.amount(),
                                    0,
                                    true);
                        });
            case TCC ->
                dtm.tccGlobalTransaction(t.gid(), tcc -> {
                    attempt.acknowledge();
                    tcc.callBranch(from.body(), from.url(DEBIT_TRY), from.url(DEBIT_CONFIRM), from.url(DEBIT_CANCEL));
                    tcc.callBranch(to.body(), to.url(CREDIT_TRY), to.url(CREDIT_CONFIRM), to.url(CREDIT_CANCEL));
                });
            case XA ->
                dtm.xaGlobalTransaction(t.gid(), xa -> {
                    attempt.acknowledge();
                    xa.callBranch(from.body(), from.xaUrl(DEBIT));
                    xa.callBranch(to.body(), to.xaUrl(CREDIT));
                });
            case WORKFLOW -> {
                runningWorkflows.put(t.gid(), attempt);
                try {
                    workflows.get(t.node()).execute(WORKFLOW, t.gid(), workflowInput(t));
                } finally {
                    runningWorkflows.remove(t.gid());
                }
            }
        }
    }

    /** The workflow's input: the transfer itself, so that a resumed run needs nothing else. */
    private static byte[] workflowInput(Transfer t) {
        try {
            return JSON.writeValueAsBytes(t);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] workflow(io.dtm4j.client.workflow.Workflow wf, byte[] data) throws IOException {
        Attempt attempt = runningWorkflows.get(wf.gid());
        if (attempt != null) {
            attempt.acknowledge(); // the handler runs after a successful prepareWorkflow
        }
        Transfer t = JSON.readValue(data, Transfer.class);
        Side from = new Side(banks.get(t.fromBank()), new BranchPayload(t.fromAccount(), t.amount()), false);
        Side to = new Side(banks.get(t.toBank()), new BranchPayload(t.toAccount(), t.amount()), false);
        wf.newBranch().onRollback(barrier -> wf.post(from.url(DEBIT_REVERT), from.body()));
        wf.post(from.url(DEBIT), from.body());
        wf.newBranch().onRollback(barrier -> wf.post(to.url(CREDIT_REVERT), to.body()));
        wf.post(to.url(CREDIT), to.body());
        return null;
    }

    /** One bank's side of a transfer: its URLs and body, over HTTP or gRPC. */
    private record Side(BankNode bank, BranchPayload payload, boolean grpc) {
        String url(String op) {
            return grpc ? bank.grpcUrl(op) : bank.url(op);
        }

        String xaUrl(String op) {
            return grpc ? bank.grpcUrl("Xa" + op) : bank.xaUrl(op);
        }

        /** JSON text over HTTP; over gRPC the same JSON's bytes, sent as they are. */
        Object body() {
            return grpc ? payload.json().getBytes(StandardCharsets.UTF_8) : payload.json();
        }
    }

    @Override
    public void close() {
        workflowHost.close();
    }
}
