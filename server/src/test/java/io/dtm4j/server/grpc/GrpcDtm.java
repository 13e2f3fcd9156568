package io.dtm4j.server.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A gRPC client of a {@link TestServer}'s {@code dtmgimp.Dtm} service, as dtm's Go SDK talks to it. */
final class GrpcDtm implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManagedChannel channel;

    GrpcDtm(TestServer server) {
        channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", server.server().grpcPort(), InsecureChannelCredentials.create())
                .build();
    }

    /** Returns a blocking stub whose calls have 30 s to answer. */
    DtmGrpc.DtmBlockingStub dtm() {
        return DtmGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Returns the status a call ended with: OK, or the error it threw. */
    static Status statusOf(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** Builds a saga or msg request: steps as JSON text, payloads as raw bytes (Go SDK style). */
    static final class Steps {
        private final List<Map<String, String>> steps = new ArrayList<>();
        private final List<ByteString> payloads = new ArrayList<>();

        Steps step(String action, String compensate, byte[] payload) {
            Map<String, String> step = new LinkedHashMap<>();
            step.put("action", action);
            if (compensate != null) {
                step.put("compensate", compensate);
            }
            steps.add(step);
            payloads.add(ByteString.copyFrom(payload));
            return this;
        }

        Steps step(String action, byte[] payload) {
            return step(action, null, payload);
        }

        DtmRequest.Builder request(String gid, String transType) {
            try {
                return DtmRequest.newBuilder()
                        .setGid(gid)
                        .setTransType(transType)
                        .setSteps(JSON.writeValueAsString(steps))
                        .addAllBinPayloads(payloads);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
