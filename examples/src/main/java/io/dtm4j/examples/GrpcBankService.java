package io.dtm4j.examples;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.GrpcResults;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.grpc.RawBytes;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The bank as a gRPC service {@code trans.TransSvc} on a free loopback port, running in-process.
 * No {@code .proto} is involved: every method is a unary call whose request is the transfer's JSON
 * ({@link TransferRequest#json()}) as UTF-8 bytes and whose reply is empty; dtm calls gRPC branches
 * on raw bytes, so any encoding the service understands works. Each operation runs inside the
 * branch barrier, whose identity comes from the call's metadata ({@link GrpcBranch#identity()}).
 */
final class GrpcBankService implements AutoCloseable {
    /** The gRPC service name, as in dtm's gRPC examples. */
    static final String SERVICE = "trans.TransSvc";

    /** One operation on the business database, inside the barrier's local transaction. */
    @FunctionalInterface
    private interface Operation {
        void apply(TransferRequest transfer, Connection tx) throws Exception;
    }

    /** A method's business, from request bytes; the reply is always empty. */
    @FunctionalInterface
    private interface Method {
        void handle(byte[] request) throws Exception;
    }

    private static final byte[] EMPTY = new byte[0];

    private final Bank bank;
    private final PrintStream out;
    private final Map<String, Method> methods = new ConcurrentHashMap<>();
    /** Services of the application hosted on the bank's server, e.g. the workflow callback. */
    private final Map<String, ServerServiceDefinition> hosted = new ConcurrentHashMap<>();

    private final Server server;

    /** Starts the service on a free loopback port. */
    GrpcBankService(Bank bank, PrintStream out) throws IOException {
        this.bank = bank;
        this.out = out;
        // saga and msg
        barrier("TransOut", (t, tx) -> move(tx, BankService.FROM_USER, -t.amount(), "transfer out %d cents from 1"));
        barrier(
                "TransOutRevert",
                (t, tx) -> move(tx, BankService.FROM_USER, t.amount(), "compensate: transfer %d cents back to 1"));
        barrier("TransIn", (t, tx) -> move(tx, BankService.TO_USER, t.amount(), "transfer in %d cents to 2"));
        barrier(
                "TransInRevert",
                (t, tx) -> move(tx, BankService.TO_USER, -t.amount(), "compensate: take %d cents back from 2"));
        // TCC: the try books the amount in trading_balance; confirm moves it into balance; cancel drops it
        barrier("TransOutTry", (t, tx) -> {
            Bank.adjustTrading(tx, BankService.FROM_USER, -t.amount());
            say("try: freeze %d cents of 1", t);
        });
        barrier("TransOutConfirm", (t, tx) -> {
            Bank.confirmTrading(tx, BankService.FROM_USER, -t.amount());
            say("confirm: transfer out %d cents from 1", t);
        });
        barrier("TransOutCancel", (t, tx) -> {
            Bank.adjustTrading(tx, BankService.FROM_USER, t.amount());
            say("cancel: unfreeze %d cents of 1", t);
        });
        barrier("TransInTry", (t, tx) -> {
            Bank.adjustTrading(tx, BankService.TO_USER, t.amount());
            say("try: book %d incoming cents for 2", t);
        });
        barrier("TransInConfirm", (t, tx) -> {
            Bank.confirmTrading(tx, BankService.TO_USER, t.amount());
            say("confirm: transfer in %d cents to 2", t);
        });
        barrier("TransInCancel", (t, tx) -> {
            Bank.adjustTrading(tx, BankService.TO_USER, -t.amount());
            say("cancel: drop the %d cents booked for 2", t);
        });
        // XA: phase one does the work in a local transaction left prepared and registers the branch
        // through the server's gRPC API; phase two (the server's call) commits or rolls it back
        xa(
                "TransOutXa",
                (t, tx) -> move(tx, BankService.FROM_USER, -t.amount(), "xa: transfer out %d cents from 1, prepared"));
        xa("TransInXa", (t, tx) -> {
            if (t.transInMustFail()) {
                out.println("[bank] TransIn to 2 fails definitively (FAILURE), as this example asks");
                throw new DtmFailureException("TransIn refused: FAILURE asked by the request");
            }
            move(tx, BankService.TO_USER, t.amount(), "xa: transfer in %d cents to 2, prepared");
        });
        // msg: the server's check-back when it does not know whether the local transaction committed
        methods.put("QueryPrepared", request -> {
            String gid = GrpcBranch.identity().gid();
            try {
                BranchBarrier.queryPrepared(bank.dataSource(), gid);
                out.println("[bank] check-back: the local transaction of " + gid + " committed");
            } catch (DtmFailureException e) {
                out.println("[bank] check-back: the local transaction of " + gid + " did not commit");
                throw e;
            }
        });
        server = NettyServerBuilder.forAddress(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), InsecureServerCredentials.create())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .fallbackHandlerRegistry(new AnyMethod())
                .intercept(GrpcBranch.interceptor())
                .build();
        server.start();
    }

    /** The address dtm calls, {@code 127.0.0.1:port}. */
    String address() {
        return InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
    }

    /** The branch URL of {@code method}, e.g. {@code 127.0.0.1:5001/trans.TransSvc/TransIn}. */
    String url(String method) {
        return address() + "/" + SERVICE + "/" + method;
    }

    /**
     * Serves {@code service} of the application on this server too, e.g. the {@code
     * workflow.Workflow} service through which dtm resumes gRPC workflows.
     */
    void host(ServerServiceDefinition service) {
        hosted.put(service.getServiceDescriptor().getName(), service);
    }

    private void barrier(String name, Operation operation) {
        methods.put(name, request -> {
            TransferRequest transfer = TransferRequest.parse(new String(request, StandardCharsets.UTF_8));
            BranchIdentity branch = GrpcBranch.identity();
            boolean[] ran = {false};
            BranchBarrier.of(branch).callWithDb(bank.dataSource(), tx -> {
                operation.apply(transfer, tx);
                ran[0] = true;
            });
            if (!ran[0]) {
                out.println("[bank] barrier: skipped " + name + " (" + branch.op() + " of branch " + branch.branchId()
                        + "): already done, or nothing to undo, or too late after its undo");
            }
        });
    }

    private void xa(String name, Operation operation) {
        XaLocalTransaction xa = XaLocalTransaction.of(bank.dataSource());
        methods.put(name, request -> {
            // phase two carries no transfer: only phase one calls the business, and parses the request
            xa.handleGrpc(
                    tx -> operation.apply(TransferRequest.parse(new String(request, StandardCharsets.UTF_8)), tx));
            BranchIdentity branch = GrpcBranch.identity();
            if (!branch.op().equals(Ops.ACTION)) {
                out.println("[bank] xa: " + branch.op() + " " + name + " of branch " + branch.branchId());
            }
        });
    }

    private void move(Connection tx, int user, long amount, String what) throws Exception {
        Bank.adjustBalance(tx, user, amount);
        out.println("[bank] " + what.formatted(Math.abs(amount)));
    }

    private void say(String what, TransferRequest transfer) {
        out.println("[bank] " + what.formatted(transfer.amount()));
    }

    private void handle(String fullMethod, byte[] request, StreamObserver<byte[]> reply) {
        Method method = methods.get(fullMethod.substring(SERVICE.length() + 1));
        try {
            method.handle(request);
            reply.onNext(EMPTY);
            reply.onCompleted();
        } catch (Exception e) {
            reply.onError(GrpcResults.exceptionFor(e));
        }
    }

    /**
     * Serves the hosted services, and the methods of {@link #SERVICE} as unary calls on raw bytes;
     * anything else is UNIMPLEMENTED.
     */
    private final class AnyMethod extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String fullMethod, String authority) {
            ServerServiceDefinition service = hosted.get(MethodDescriptor.extractFullServiceName(fullMethod));
            if (service != null) {
                return service.getMethod(fullMethod);
            }
            if (!fullMethod.startsWith(SERVICE + "/")
                    || !methods.containsKey(fullMethod.substring(SERVICE.length() + 1))) {
                return null; // gRPC answers UNIMPLEMENTED
            }
            var descriptor = RawBytes.unaryMethod(fullMethod);
            return ServerMethodDefinition.create(
                    descriptor, ServerCalls.asyncUnaryCall((request, reply) -> handle(fullMethod, request, reply)));
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
