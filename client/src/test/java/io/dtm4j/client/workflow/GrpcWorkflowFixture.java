package io.dtm4j.client.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.GrpcAccounts;
import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.GrpcResults;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.grpc.RawBytes;
import io.dtm4j.protocol.grpc.workflow.WorkflowData;
import io.dtm4j.protocol.grpc.workflow.WorkflowGrpc;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.CallLog;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC workflow tests' world: the real server (engine over its gRPC API), the application's
 * gRPC server hosting {@link Workflows#grpcService()} (every resume call recorded), a gRPC bank
 * {@code busi.Busi} moving money in SQLite behind barriers, and an HTTP business stub for mixed
 * workflows.
 *
 * <p>The bank holds, per gid, the accounts {@code out-<gid>} (100) and {@code in-<gid>} (0). Its
 * methods take an {@code Int64Value} amount and answer the account's new balance as an {@code
 * Int64Value}: TransOut and TransInRevert subtract, TransIn and TransOutRevert add. Scripted
 * statuses per (gid, method) are answered first, before any business.
 */
final class GrpcWorkflowFixture implements AutoCloseable {
    /** One call the server made to the application's {@code workflow.Workflow/Execute}. */
    record Callback(Map<String, String> metadata) {}

    /** One call of a bank method: name, ASCII metadata, request bytes. */
    record Call(String method, Map<String, String> metadata, byte[] request) {}

    static final long AMOUNT = 30;
    static final String SERVICE = "busi.Busi";

    final TestServer server = new TestServer();
    final DtmClient dtm = DtmClient.grpc("127.0.0.1:" + server.server().grpcPort());
    final BusinessStub httpBusi = new BusinessStub();
    final Workflows workflows;

    private final Server app;
    private final Server bank;
    private final GrpcAccounts accounts;
    /** Set once the engine exists: the app's server must listen first, to know its port. */
    private volatile ServerServiceDefinition workflowService;

    private final CallLog<Callback> callbacks = new CallLog<>(c -> c.metadata().get("dtm-gid"));
    private final CallLog<Call> calls = new CallLog<>(
            c -> c.metadata().get("dtm-gid"),
            c -> c.method() + " " + c.metadata().get("dtm-op"));
    private final Map<String, Deque<Status>> scripts = new ConcurrentHashMap<>();

    GrpcWorkflowFixture() {
        try {
            accounts = new GrpcAccounts();
            app = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .fallbackHandlerRegistry(new HandlerRegistry() {
                        @Override
                        public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
                            ServerServiceDefinition service = workflowService;
                            return service == null ? null : service.getMethod(method);
                        }
                    })
                    .intercept(new CallbackRecorder())
                    .build()
                    .start();
            bank = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .fallbackHandlerRegistry(new BankMethods())
                    .intercept(GrpcBranch.interceptor())
                    .build()
                    .start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the gRPC workflow fixture", e);
        }
        workflows = Workflows.grpc(dtm, appAddress());
        workflowService = workflows.grpcService();
    }

    /** A fresh gid for a test; opens its two bank accounts. */
    String gid(String name) {
        String gid = name + "-" + System.nanoTime();
        try {
            accounts.open(gid);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return gid;
    }

    /** The workflow input: the amount as an {@code Int64Value}. */
    static byte[] input() {
        return Int64Value.of(AMOUNT).toByteArray();
    }

    /** The host:port of the application's gRPC server. */
    String appAddress() {
        return "127.0.0.1:" + app.getPort();
    }

    /** The URL of bank method {@code name}, e.g. {@code 127.0.0.1:5/busi.Busi/TransOut}. */
    String url(String name) {
        return "127.0.0.1:" + bank.getPort() + "/" + SERVICE + "/" + name;
    }

    /** Queues one-shot statuses that calls of {@code gid} to {@code method} get before the business. */
    void scriptFor(String gid, String method, Status... statuses) {
        scripts.computeIfAbsent(gid + "/" + method, k -> new ArrayDeque<>()).addAll(List.of(statuses));
    }

    /** The balances of {@code out-<gid>} and {@code in-<gid>}. */
    List<Long> balances(String gid) throws SQLException {
        return accounts.balances(gid);
    }

    /** The bank calls of {@code gid}, in arrival order. */
    List<Call> calls(String gid) {
        return calls.of(gid);
    }

    /** "method op" for each bank call of {@code gid}, e.g. {@code [TransOut action, TransIn action]}. */
    List<String> trail(String gid) {
        return calls.trail(gid);
    }

    /** The server's calls to the application's {@code workflow.Workflow/Execute} for {@code gid}. */
    List<Callback> callbacks(String gid) {
        return callbacks.of(gid);
    }

    /** The recorded steps of {@code gid} in storage order, e.g. {@code [01-action S, 01-rollback S]}. */
    List<String> progress(String gid) {
        List<String> result = new ArrayList<>();
        List<String> statuses = server.branchStatuses(gid);
        int i = 0;
        for (JsonNode b : server.query(gid).path("branches")) {
            result.add(b.path("branch_id").asText() + "-" + b.path("op").asText() + " " + statuses.get(i++));
        }
        return result;
    }

    /**
     * Calls the application's {@code workflow.Workflow/Execute} as the server does (metadata {@code
     * dtm-gid}, {@code dtm-op} = {@code name}, when not null) and returns the answer's status.
     */
    Status callExecute(String gid, String name, byte[] input) {
        Metadata metadata = new Metadata();
        if (gid != null) {
            metadata.put(Metadata.Key.of("dtm-gid", Metadata.ASCII_STRING_MARSHALLER), gid);
        }
        if (name != null) {
            metadata.put(Metadata.Key.of("dtm-op", Metadata.ASCII_STRING_MARSHALLER), name);
        }
        ManagedChannel channel = Grpc.newChannelBuilder(appAddress(), InsecureChannelCredentials.create())
                .build();
        try {
            WorkflowGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .execute(WorkflowData.newBuilder()
                            .setData(ByteString.copyFrom(input))
                            .build());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    /** Runs the server's scheduler once, far ahead of every next retry: it resumes unfinished workflows. */
    void resumeByServer() {
        server.cron(java.time.Duration.ofSeconds(1000));
    }

    /** Stops a workflow a test left unfinished on purpose, so later scheduler rounds leave it alone. */
    void forceStop(String gid) {
        server.post("/api/dtmsvr/forceStop", Map.of("gid", gid));
    }

    private void bankCall(String fullMethod, byte[] request, StreamObserver<byte[]> out) {
        String method = fullMethod.substring(SERVICE.length() + 1);
        BranchIdentity branch = GrpcBranch.identity();
        calls.add(new Call(method, ascii(GrpcBranch.metadata()), request));
        Deque<Status> script = scripts.get(branch.gid() + "/" + method);
        Status scripted = script == null ? null : script.poll();
        if (scripted != null) {
            out.onError(scripted.asRuntimeException());
            return;
        }
        try {
            long amount = Int64Value.parseFrom(request).getValue();
            String account = (method.startsWith("TransOut") ? "out-" : "in-") + branch.gid();
            long delta = method.equals("TransOut") || method.equals("TransInRevert") ? -amount : amount;
            BranchBarrier.of(branch).callWithDb(accounts.db, tx -> GrpcAccounts.add(tx, account, delta));
            out.onNext(Int64Value.of(accounts.balance(account)).toByteArray());
            out.onCompleted();
        } catch (Exception e) {
            out.onError(GrpcResults.exceptionFor(e));
        }
    }

    private static Map<String, String> ascii(Metadata headers) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String key : headers.keys()) {
            if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                result.put(key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
            }
        }
        return result;
    }

    /** Serves the bank's methods as unary calls on raw bytes. */
    private final class BankMethods extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String fullMethod, String authority) {
            if (!fullMethod.startsWith(SERVICE + "/")) {
                return null; // UNIMPLEMENTED
            }
            var descriptor = RawBytes.unaryMethod(fullMethod);
            return ServerMethodDefinition.create(
                    descriptor, ServerCalls.asyncUnaryCall((request, out) -> bankCall(fullMethod, request, out)));
        }
    }

    /** Records the metadata of every call the application's gRPC server receives. */
    private final class CallbackRecorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            callbacks.add(new Callback(ascii(headers)));
            return next.startCall(call, headers);
        }
    }

    @Override
    public void close() throws Exception {
        app.shutdownNow();
        bank.shutdownNow();
        app.awaitTermination(5, TimeUnit.SECONDS);
        bank.awaitTermination(5, TimeUnit.SECONDS);
        dtm.close();
        httpBusi.close();
        server.close();
        accounts.close();
    }
}
