package io.dtm4j.client.workflow;

import com.google.protobuf.Empty;
import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.GrpcResults;
import io.dtm4j.protocol.grpc.workflow.WorkflowData;
import io.dtm4j.protocol.grpc.workflow.WorkflowGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * {@code workflow.Workflow/Execute}, the server's callback resuming an unfinished gRPC workflow
 * (docs/protocol.md §5.2, §8.6): gid and name in the metadata, the input in {@code WorkflowData}.
 * Served behind {@link GrpcBranch#interceptor()}, see {@link Workflows#grpcService()}.
 */
final class GrpcResumeService extends WorkflowGrpc.WorkflowImplBase {
    private static final Metadata.Key<String> GID = Metadata.Key.of("dtm-gid", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> OP = Metadata.Key.of("dtm-op", Metadata.ASCII_STRING_MARSHALLER);

    private final Workflows workflows;

    GrpcResumeService(Workflows workflows) {
        this.workflows = workflows;
    }

    @Override
    public void execute(WorkflowData request, StreamObserver<Empty> out) {
        Metadata metadata = GrpcBranch.metadata();
        String gid = metadata.get(GID);
        String name = metadata.get(OP);
        if (gid == null || gid.isEmpty() || name == null || name.isEmpty()) {
            out.onError(invalid("a workflow callback needs the metadata dtm-gid and dtm-op (the workflow name)"));
            return;
        }
        if (!workflows.isRegistered(name)) {
            out.onError(invalid("no workflow named '" + name + "' is registered; register every workflow at start-up"));
            return;
        }
        try {
            workflows.execute(name, gid, request.getData().toByteArray());
        } catch (RuntimeException e) {
            out.onError(GrpcResults.exceptionFor(e));
            return;
        }
        out.onNext(Empty.getDefaultInstance());
        out.onCompleted();
    }

    private static RuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }
}
