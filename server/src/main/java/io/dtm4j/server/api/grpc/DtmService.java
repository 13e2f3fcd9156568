package io.dtm4j.server.api.grpc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmGidReply;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmProgress;
import io.dtm4j.protocol.grpc.DtmProgressesReply;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTopicRequest;
import io.dtm4j.protocol.grpc.DtmTransaction;
import io.dtm4j.server.engine.DtmException;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.engine.Gids;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.topic.TopicException;
import io.dtm4j.server.topic.Topics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dtmgimp.Dtm} service (docs/protocol.md §5.1): parses requests, calls the engine, and
 * maps its errors to gRPC statuses. Runs on the executor the gRPC server was given (virtual
 * threads), so it may block.
 */
final class DtmService extends DtmGrpc.DtmImplBase {
    private static final Logger log = LoggerFactory.getLogger(DtmService.class);
    private static final Empty EMPTY = Empty.getDefaultInstance();

    private final Engine engine;
    private final Topics topics;
    private final Metrics metrics;
    private final GrpcRequests requests;

    DtmService(Engine engine, Topics topics, Metrics metrics, ObjectMapper json) {
        this.engine = engine;
        this.topics = topics;
        this.metrics = metrics;
        this.requests = new GrpcRequests(json);
    }

    @Override
    public void newGid(Empty request, StreamObserver<DtmGidReply> out) {
        answer(
                out,
                "newgid",
                () -> DtmGidReply.newBuilder().setGid(Gids.newGid()).build());
    }

    @Override
    public void submit(DtmRequest request, StreamObserver<Empty> out) {
        answer(out, "submit", () -> {
            engine.submit(requests.transaction(request));
            return EMPTY;
        });
    }

    @Override
    public void prepare(DtmRequest request, StreamObserver<Empty> out) {
        answer(out, "prepare", () -> {
            engine.prepare(requests.transaction(request));
            return EMPTY;
        });
    }

    @Override
    public void abort(DtmRequest request, StreamObserver<Empty> out) {
        answer(out, "abort", () -> {
            engine.abort(requests.transaction(request));
            return EMPTY;
        });
    }

    @Override
    public void registerBranch(DtmBranchRequest request, StreamObserver<Empty> out) {
        answer(out, "registerbranch", () -> {
            engine.registerBranch(
                    GrpcRequests.branchFields(request), request.getBusiPayload().toByteArray());
            return EMPTY;
        });
    }

    /**
     * Answers the stored workflow and its recorded steps. Unlike dtm (docs/protocol.md §20.14) the
     * transaction's {@code Result} is filled, so a finished workflow re-executed over gRPC returns
     * its result.
     */
    @Override
    public void prepareWorkflow(DtmRequest request, StreamObserver<DtmProgressesReply> out) {
        answer(out, "prepareworkflow", () -> {
            Engine.WorkflowState state = engine.prepareWorkflow(requests.transaction(request));
            GlobalTrans g = state.transaction();
            var reply = DtmProgressesReply.newBuilder()
                    .setTransaction(DtmTransaction.newBuilder()
                            .setGid(g.gid())
                            .setStatus(g.status().wire())
                            .setRollbackReason(nonNull(g.rollbackReason()))
                            .setResult(nonNull(g.result())));
            for (BranchOp b : state.progresses()) {
                reply.addProgresses(DtmProgress.newBuilder()
                        .setStatus(b.status().wire())
                        .setBinData(ByteString.copyFrom(b.binData()))
                        .setBranchID(b.branchId())
                        .setOp(b.op()));
            }
            return reply.build();
        });
    }

    @Override
    public void subscribe(DtmTopicRequest request, StreamObserver<Empty> out) {
        answer(out, "subscribe", () -> {
            engine.checkSubscriber(request.getURL());
            topics.subscribe(request.getTopic(), request.getURL(), request.getRemark());
            return EMPTY;
        });
    }

    @Override
    public void unsubscribe(DtmTopicRequest request, StreamObserver<Empty> out) {
        answer(out, "unsubscribe", () -> {
            topics.unsubscribe(request.getTopic(), request.getURL());
            return EMPTY;
        });
    }

    @Override
    public void deleteTopic(DtmTopicRequest request, StreamObserver<Empty> out) {
        answer(out, "deletetopic", () -> {
            topics.delete(request.getTopic());
            return EMPTY;
        });
    }

    private <T> void answer(StreamObserver<T> out, String api, Supplier<T> handler) {
        long start = System.nanoTime();
        T reply = null;
        Status error = null;
        try {
            reply = handler.get();
        } catch (DtmException e) {
            error = GrpcStatuses.of(e);
        } catch (TopicException e) {
            error = GrpcStatuses.of(DtmException.error(e.getMessage()));
        } catch (RuntimeException e) {
            log.error("gRPC {} failed", api, e);
            error = GrpcStatuses.unexpected(e);
        }
        metrics.apiRequest("grpc", api, error == null, (System.nanoTime() - start) / 1e9);
        try {
            if (error == null) {
                out.onNext(reply);
                out.onCompleted();
            } else {
                out.onError(error.asRuntimeException());
            }
        } catch (StatusRuntimeException e) {
            // the client cancelled or its deadline passed while we worked: the outcome stands, nobody listens
            log.debug("gRPC {}: answer not delivered: {}", api, e.getStatus());
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
