package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTopicRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes every method of {@code dtmgimp.Dtm} (docs/protocol.md §5.1; {@code workflow.Workflow} is
 * served by workflow clients, not by the server, docs/protocol.md §5.2), with typed adversarial messages built by
 * the generated builders and with raw malformed protobuf bytes. Each call must end with a status
 * docs/protocol.md §5.1 gives for it: OK, INVALID_ARGUMENT (malformed request), ABORTED (FAILURE),
 * FAILED_PRECONDITION (ONGOING), UNKNOWN only with one of the documented error texts (or grpc-java's
 * own answer to bytes it cannot parse, before the service is called); never INTERNAL.
 */
class GrpcFuzzTest {
    static FuzzServer server;
    private static long cases;

    /** The unary methods of dtmgimp.Dtm, by name. */
    static final List<MethodDescriptor<?, ?>> METHODS = List.of(
            DtmGrpc.getNewGidMethod(),
            DtmGrpc.getSubmitMethod(),
            DtmGrpc.getPrepareMethod(),
            DtmGrpc.getAbortMethod(),
            DtmGrpc.getRegisterBranchMethod(),
            DtmGrpc.getPrepareWorkflowMethod(),
            DtmGrpc.getSubscribeMethod(),
            DtmGrpc.getUnsubscribeMethod(),
            DtmGrpc.getDeleteTopicMethod());

    /**
     * UNKNOWN answers that docs/protocol.md §5.1 maps from documented errors ("other errors → Unknown with the text"):
     * the rejections of the docs/protocol.md §2 error table, a lost compare-and-set (§8.1), a workflow submit of a
     * workflow not prepared (docs/protocol.md §8.6), a duplicate branch (§3.6), and the topic errors of §10.
     */
    static final Pattern DOCUMENTED_UNKNOWN = Pattern.compile(
            "^(unknow trans type: .*|topic not found|no TransGlobal with gid: .* found"
                    + "|gid '.*': status changed while \\w+, please retry"
                    + "|gid '.*': cannot submit the workflow, status is .*"
                    + "|gid '.*': branch .* op .* is already registered"
                    + "|empty topic|empty url|this url exists|no such a topic.*|this topic is empty|no such an url "
                    + "|topic '.*' was (created|changed) concurrently, please retry)$",
            Pattern.DOTALL);

    /**
     * grpc-java's own answer when it cannot parse the request bytes into the method's message: its
     * protobuf marshaller throws before the service method is called, and the framework closes the
     * call with UNKNOWN and this text (ServerImpl's "application error"). dtm4j's code never sees
     * such a call; the only UNKNOWN accepted without a documented text, and only for bytes the
     * method's own parser refuses.
     */
    static final String UNPARSABLE = "Application error processing RPC";

    /** The server's inbound limit (grpc-java's default, 4 MiB); larger messages are RESOURCE_EXHAUSTED. */
    static final int MAX_MESSAGE = 4 << 20;

    @BeforeAll
    static void start() {
        server = new FuzzServer();
    }

    @AfterAll
    static void stop() {
        if (server == null) {
            return;
        }
        try {
            server.assertAlive();
            int listed = server.scanAll();
            server.assertNoErrorsLogged();
            System.out.println("fuzz: GrpcFuzzTest done, " + listed + " stored transactions whole");
            FuzzTotals.finished(GrpcFuzzTest.class, server.sent(), cases);
        } finally {
            server.close();
        }
    }

    private static void property(String name, int n, IntConsumer test) {
        cases += Cases.ONLY == null ? n : 1;
        Cases.run(name, n, test, () -> {
            server.assertAlive();
            server.checkRecordedGids();
            server.assertNoErrorsLogged();
        });
    }

    /** Typed messages with odd strings, huge payloads, wrong types, mismatched steps and payloads. */
    @Test
    void typedMessages() {
        property("typedMessages", 800, this::typed);
    }

    private void typed(int i) {
        Gen g = Cases.gen("typedMessages", i);
        MethodDescriptor<?, ?> method = g.pick(METHODS);
        String name = method.getBareMethodName();
        String gid = g.chance(70) ? "gr-" + g.r.nextInt(80) : g.gid("gr", 80);
        MessageLite request = switch (name) {
            case "NewGid" -> Empty.getDefaultInstance();
            case "RegisterBranch" -> branch(g, gid);
            case "Subscribe", "Unsubscribe", "DeleteTopic" -> topic(g);
            default -> transaction(g, gid, name);
        };
        int size = request.getSerializedSize();
        Status status = call(method, request.toByteArray());
        String what = name + " " + Gen.abbreviate(request.toString().replace('\n', ' '), 300) + " (" + size + " bytes)";
        if (size > MAX_MESSAGE) {
            assertThat(status.getCode()).as("%s → %s", what, status).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        } else {
            boolean waited = request instanceof DtmRequest r
                    && r.getTransOptions().getWaitResult()
                    && (name.equals("Submit") || name.equals("Abort"));
            checkDocumented(what, status, waited);
        }
        if (!name.equals("NewGid") && !(request instanceof DtmTopicRequest)) {
            server.record(gid, what + " → " + status, rejected(status));
            if (name.equals("RegisterBranch") && status.isOk()) {
                server.branchRegistered(gid);
            }
        }
    }

    /** Raw bytes for every method: random, truncated, wrong wire types, unknown fields, huge lengths. */
    @Test
    void rawBytes() {
        property("rawBytes", 900, this::raw);
    }

    private void raw(int i) {
        Gen g = Cases.gen("rawBytes", i);
        MethodDescriptor<?, ?> method = g.pick(METHODS);
        String name = method.getBareMethodName();
        String gid = "gb-" + g.r.nextInt(60);
        byte[] valid = switch (name) {
            case "NewGid" -> new byte[0];
            case "RegisterBranch" -> branch(g, gid).toByteArray();
            case "Subscribe", "Unsubscribe", "DeleteTopic" -> topic(g).toByteArray();
            default -> transaction(g, gid, name).toByteArray();
        };
        String mutation;
        byte[] bytes;
        switch (g.r.nextInt(8)) {
            case 0 -> {
                bytes = new byte[g.between(1, 300)];
                for (int k = 0; k < bytes.length; k++) {
                    bytes[k] = (byte) g.r.nextInt(256);
                }
                mutation = "random";
            }
            case 1 -> {
                int cut = valid.length == 0 ? 0 : g.r.nextInt(valid.length);
                bytes = java.util.Arrays.copyOf(valid, cut);
                mutation = "truncated at " + cut + " of " + valid.length;
            }
            case 2 -> { // field 1 (Gid, Topic) as a varint, a fixed64 or a group instead of a string
                byte tag = g.pick(List.of((byte) 0x08, (byte) 0x09, (byte) 0x0b, (byte) 0x0f, (byte) 0x12));
                bytes = concat(new byte[] {tag, (byte) 0x96, (byte) 0x01}, valid);
                mutation = "wire type " + (tag & 7);
            }
            case 3 -> { // unknown fields, which proto3 keeps and ignores
                bytes = concat(valid, new byte[] {(byte) 0xf8, (byte) 0x7f, 0x01, (byte) 0xa2, 0x06, 0x02, 'x', 'y'});
                mutation = "unknown fields";
            }
            case 4 -> { // a length prefix far beyond the message
                bytes = concat(new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}, "abc".getBytes());
                mutation = "huge length";
            }
            case 5 -> { // a string field with invalid UTF-8, which proto3 refuses to parse
                bytes = concat(new byte[] {0x0a, 0x04, (byte) 0xc3, 0x28, (byte) 0xff, (byte) 0x80}, valid);
                mutation = "invalid UTF-8";
            }
            case 6 -> { // a varint of 11 bytes
                bytes = concat(valid, new byte[] {0x10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01});
                mutation = "overlong varint";
            }
            default -> {
                bytes = valid;
                mutation = "valid";
            }
        }
        Status status = call(method, bytes);
        String what = name + " raw " + mutation + " (" + bytes.length + " bytes)";
        boolean parsable = parsable(method, bytes);
        if (bytes.length > MAX_MESSAGE) {
            assertThat(status.getCode()).as("%s → %s", what, status).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        } else if (!parsable) {
            assertThat(status.getCode()).as("%s → %s", what, status).isEqualTo(Status.Code.UNKNOWN);
            assertThat(status.getDescription()).as("%s → %s", what, status).isEqualTo(UNPARSABLE);
        } else {
            checkDocumented(what, status, false);
        }
        if (!name.equals("NewGid") && !name.contains("Topic") && !name.contains("ubscribe")) {
            server.record(gid, what + " → " + status, rejected(status));
            if (name.equals("RegisterBranch") && status.isOk()) {
                server.branchRegistered(gid);
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** A DtmRequest: valid for its method most of the time, with odd values and mismatches mixed in. */
    static DtmRequest transaction(Gen g, String gid, String method) {
        String type = g.chance(85)
                ? g.pick(method.equals("PrepareWorkflow") ? List.of("workflow", "workflow", "saga") : Gen.TYPES)
                : g.pick(List.of("", "SAGA", "tcc ", g.string()));
        var b = DtmRequest.newBuilder().setGid(gid).setTransType(type);
        int steps = type.equals("saga") || type.equals("msg") ? g.between(0, 4) : g.between(0, 1);
        List<String> st = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            st.add("{\"action\":" + Json.quote(grpcUrl(g)) + ",\"compensate\":" + Json.quote(grpcUrl(g)) + "}");
        }
        int payloads = g.chance(85) ? steps : g.between(0, 5);
        for (int k = 0; k < payloads; k++) {
            b.addBinPayloads(payload(g));
        }
        switch (g.r.nextInt(10)) {
            case 0 ->
                b.setSteps(g.pick(List.of("", "null", "[]", "{}", "[1]", "[{\"action\":1}]", "[[]]", "[", g.string())));
            case 1 -> b.setSteps(g.deep());
            default -> b.setSteps(steps == 0 && g.r.nextBoolean() ? "null" : "[" + String.join(",", st) + "]");
        }
        if (type.equals("msg") || type.equals("workflow") || g.chance(20)) {
            b.setQueryPrepared(grpcUrl(g));
        }
        if (type.equals("workflow")) {
            b.setCustomedData("{\"name\":\"wf\",\"data\":\"eyJhIjoxfQ==\"}");
        } else if (g.chance(25)) {
            b.setCustomedData(g.chance(50) ? g.string() : "{\"concurrent\":true,\"orders\":{\"1\":[0]}}");
        }
        if (g.chance(40)) {
            var o = DtmTransOptions.newBuilder()
                    .setWaitResult(g.chance(20))
                    .setTimeoutToFail(longValue(g))
                    .setRetryInterval(longValue(g))
                    .setRequestTimeout(longValue(g))
                    .setRetryLimit(longValue(g));
            if (g.chance(30)) {
                o.putBranchHeaders(g.string(), g.string());
            }
            b.setTransOptions(o);
        }
        if (g.chance(20)) {
            b.putReqExtra(g.pick(List.of("status", "result", g.string())), g.string());
        }
        if (g.chance(20)) {
            b.setRollbackReason(g.string());
        }
        return b.build();
    }

    static DtmBranchRequest branch(Gen g, String gid) {
        String type = g.pick(List.of("tcc", "xa", "workflow", "tcc", "saga", "msg", "", g.string()));
        var b = DtmBranchRequest.newBuilder()
                .setGid(gid)
                .setTransType(type)
                .setBranchID(g.chance(80) ? String.format("%02d", g.between(0, 12)) : g.string())
                .setOp(g.pick(List.of("", "action", "rollback", g.string())));
        for (String k : List.of("confirm", "cancel", "url", "op", "status", "sync")) {
            if (g.chance(40)) {
                b.putData(k, k.equals("op") || k.equals("status") || k.equals("sync") ? g.string() : grpcUrl(g));
            }
        }
        if (g.chance(10)) {
            b.putData(g.string(), g.string());
        }
        return b.setBusiPayload(payload(g)).build();
    }

    static DtmTopicRequest topic(Gen g) {
        return DtmTopicRequest.newBuilder()
                .setTopic(g.chance(50) ? "fuzz-grpc-topic" : g.string())
                .setURL(g.chance(50) ? grpcUrl(g) : g.string())
                .setRemark(g.string())
                .build();
    }

    /** A loopback gRPC or HTTP target on port 1 (refused), or something that is no target. */
    static String grpcUrl(Gen g) {
        return g.chance(50)
                ? g.pick(List.of("127.0.0.1:1/busi.Busi/TransIn", "127.0.0.1:1/a.B/C", "127.0.0.1:1"))
                : g.url();
    }

    /** Payload bytes: small, empty, odd Unicode text, or large (up to past the 4 MiB message limit). */
    static ByteString payload(Gen g) {
        return switch (g.r.nextInt(10)) {
            case 0 -> ByteString.EMPTY;
            case 1 -> ByteString.copyFromUtf8(g.string());
            case 2 -> {
                int n = g.chance(10) ? g.between(MAX_MESSAGE - 200, MAX_MESSAGE + 500) : g.between(10_000, 300_000);
                byte[] bytes = new byte[n];
                for (int k = 0; k < n; k += 97) {
                    bytes[k] = (byte) g.r.nextInt(256);
                }
                yield ByteString.copyFrom(bytes);
            }
            default -> ByteString.copyFromUtf8("{\"amount\":30}");
        };
    }

    static long longValue(Gen g) {
        return g.pick(List.of(0L, -1L, 1L, 30L, Long.MAX_VALUE, Long.MIN_VALUE, 31_536_000_000L, 4_000_000_000L));
    }

    /** Calls {@code method} with the request's bytes as they are; returns the call's status. */
    static Status call(MethodDescriptor<?, ?> method, byte[] request) {
        return call(server, method, request);
    }

    /** Calls {@code method} of {@code server} with the request's bytes as they are; returns the call's status. */
    static Status call(FuzzServer server, MethodDescriptor<?, ?> method, byte[] request) {
        server.count();
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(method.getFullMethodName())
                .setRequestMarshaller(IDENTITY)
                .setResponseMarshaller(IDENTITY)
                .build();
        try {
            ClientCalls.blockingUnaryCall(
                    server.channel, raw, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** Whether the method's own request parser reads {@code bytes}. */
    static boolean parsable(MethodDescriptor<?, ?> method, byte[] bytes) {
        try {
            method.parseRequest(new ByteArrayInputStream(bytes));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Asserts a status docs/protocol.md §5.1 gives for a request the server parsed. */
    static void checkDocumented(String what, Status status, boolean waited) {
        String description = String.valueOf(status.getDescription());
        switch (status.getCode()) {
            case OK, INVALID_ARGUMENT, ABORTED, FAILED_PRECONDITION -> {}
            case UNKNOWN -> {
                if (!waited) { // a wait_result round reports its own errors (docs/protocol.md §3.4 step 5)
                    assertThat(description)
                            .as("%s → %s: an undocumented UNKNOWN", what, status)
                            .matches(DOCUMENTED_UNKNOWN);
                }
            }
            default -> throw new AssertionError(what + " → " + status + ": an undocumented status");
        }
        if (status.getCode() == Status.Code.INVALID_ARGUMENT || status.getCode() == Status.Code.ABORTED) {
            assertThat(description).as("%s → %s: no text", what, status).isNotEmpty();
        }
    }

    /** Whether the status says nothing was written (malformed, unparsable, too large, a docs/protocol.md §2 rejection). */
    static boolean rejected(Status s) {
        return switch (s.getCode()) {
            case INVALID_ARGUMENT, INTERNAL, RESOURCE_EXHAUSTED -> true;
            case UNKNOWN ->
                FuzzServer.REJECTED_500
                        .matcher(String.valueOf(s.getDescription()))
                        .matches();
            default -> false;
        };
    }

    /** Passes bytes through unchanged in both directions. */
    static final MethodDescriptor.Marshaller<byte[]> IDENTITY = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
