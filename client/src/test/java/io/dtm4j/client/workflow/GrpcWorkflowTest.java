package io.dtm4j.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.server.testing.BusinessStub;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workflows over gRPC against the real server, finishing in their first run: the engine prepares,
 * records and submits through the server's gRPC API, steps call a gRPC bank. docs/protocol.md §8.6, §19.5.
 */
class GrpcWorkflowTest {
    private static GrpcWorkflowFixture fx;

    @BeforeAll
    static void start() {
        fx = new GrpcWorkflowFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    /** TransOut then TransIn over gRPC, each with its revert as rollback; returns TransIn's reply. */
    private static void registerTransfer(String name) {
        fx.workflows.register(name, (wf, data) -> {
            Int64Value amount = Int64Value.parseFrom(data);
            wf.newBranch().onRollback(bb -> wf.invoke(fx.url("TransOutRevert"), amount));
            wf.invoke(fx.url("TransOut"), amount);
            wf.newBranch().onRollback(bb -> wf.invoke(fx.url("TransInRevert"), amount));
            return wf.invoke(fx.url("TransIn"), amount);
        });
    }

    @Test
    void grpcWorkflowSucceedsAndReturnsTheReplyOfItsLastStep() throws Exception {
        String name = "grpc-wf-normal";
        String gid = fx.gid(name);
        registerTransfer(name);

        byte[] result = fx.workflows.execute(name, gid, GrpcWorkflowFixture.input());

        assertThat(Int64Value.parseFrom(result).getValue()).isEqualTo(30);
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.balances(gid)).containsExactly(70L, 30L);
        assertThat(fx.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action S");
        // the recorded step data is the reply message, byte for byte
        assertThat(fx.server.query(gid).path("branches").get(0).path("bin_data").asText())
                .isEqualTo(Base64.getEncoder().encodeToString(Int64Value.of(70).toByteArray()));
        assertThat(fx.calls(gid).get(1).metadata())
                .containsEntry("dtm-gid", gid)
                .containsEntry("dtm-trans_type", "workflow")
                .containsEntry("dtm-branch_id", "02")
                .containsEntry("dtm-op", "action")
                .containsEntry("dtm-dtm", fx.dtm.serverUrl());
        // a finished workflow executed again answers its recorded result without running anything
        byte[] again = fx.workflows.execute(name, gid, GrpcWorkflowFixture.input());
        assertThat(again).isEqualTo(result);
        assertThat(fx.trail(gid)).hasSize(2);
    }

    @Test
    void theTransactionIsAGrpcWorkflowResumedAtTheApplicationsExecuteMethod() {
        String name = "grpc-wf-stored";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> null);

        fx.workflows.execute(name, gid, GrpcWorkflowFixture.input());

        var trans = fx.server.transaction(gid);
        assertThat(trans.path("protocol").asText()).isEqualTo("grpc");
        assertThat(trans.path("query_prepared").asText())
                .isEqualTo(fx.appAddress() + "/workflow.Workflow/Execute")
                .isEqualTo(fx.workflows.callbackUrl());
        var custom = fx.server.parse(trans.path("custom_data").asText());
        assertThat(custom.path("name").asText()).isEqualTo(name);
        assertThat(Base64.getDecoder().decode(custom.path("data").asText())).isEqualTo(GrpcWorkflowFixture.input());
    }

    /** docs/protocol.md §19.5 TestWorkflowGrpcSimple: the second gRPC branch answers ABORTED. */
    @Test
    void abortedSecondBranchFailsTheWorkflow() throws Exception {
        String name = "grpc-wf-simple";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            wf.invoke(fx.url("TransOut"), data);
            wf.newBranch();
            wf.invoke(fx.url("TransIn"), data);
            return null;
        });
        fx.scriptFor(gid, "TransIn", Status.ABORTED.withDescription("account frozen"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("account frozen");

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("account frozen");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action F");
        assertThat(fx.balances(gid)).containsExactly(70L, 0L); // no rollback callbacks: nothing undone
    }

    /**
     * docs/protocol.md §19.5 TestWorkflowGrpcRollback: the rollback callbacks restore the balances
     * over gRPC.
     */
    @Test
    void failedBranchRollsBackTheEarlierOneOverGrpc() throws Exception {
        String name = "grpc-wf-rollback";
        String gid = fx.gid(name);
        registerTransfer(name);
        fx.scriptFor(gid, "TransIn", Status.ABORTED.withDescription("limit reached"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("limit reached");

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.trail(gid)).containsExactly("TransOut action", "TransIn action", "TransOutRevert rollback");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action F", "01-rollback S");
        assertThat(fx.balances(gid)).containsExactly(100L, 0L);
    }

    /**
     * docs/protocol.md §19.5 TestWorkflowMixed: HTTP, gRPC and local steps in one workflow whose
     * engine speaks gRPC.
     */
    @Test
    void mixedHttpGrpcAndLocalStepsSucceed() throws Exception {
        String name = "grpc-wf-mixed";
        String gid = fx.gid(name);
        List<String> committed = new java.util.concurrent.CopyOnWriteArrayList<>();
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().onRollback(bb -> wf.invoke(fx.url("TransOutRevert"), data));
            wf.invoke(fx.url("TransOut"), data);
            wf.newBranch().onCommit(bb -> wf.post(fx.httpBusi.url("TransInConfirm"), "{\"amount\":30}"));
            String answer = wf.post(fx.httpBusi.url("TransIn"), "{\"amount\":30}");
            wf.newBranch().onCommit(bb -> committed.add(bb.branch().op()));
            return wf.doAction(bb -> ("noted " + answer).getBytes(StandardCharsets.UTF_8));
        });

        byte[] result = fx.workflows.execute(name, gid, GrpcWorkflowFixture.input());

        assertThat(new String(result, StandardCharsets.UTF_8)).startsWith("noted {\"dtm_result\":\"SUCCESS\"");
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.trail(gid)).containsExactly("TransOut action");
        assertThat(fx.httpBusi.trail(gid)).containsExactly("TransIn action", "TransInConfirm commit");
        BusinessStub.Call transIn = fx.httpBusi.calls(gid).get(0);
        assertThat(transIn.query())
                .containsEntry("trans_type", "workflow")
                .containsEntry("branch_id", "02")
                .containsEntry("op", "action");
        assertThat(committed).containsExactly("commit");
        assertThat(fx.progress(gid))
                .containsExactly("01-action S", "02-action S", "03-action S", "03-commit S", "02-commit S");
        assertThat(fx.balances(gid)).containsExactly(70L, 0L);
    }

    @Test
    void aBranchUrlThatIsNotAGrpcMethodIsRefused() {
        String name = "grpc-wf-bad-url";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            return wf.invoke("127.0.0.1:1", data); // no /package.Service/Method
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:port/package.Service/Method");
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        fx.forceStop(gid);
    }

    @Test
    void aRequestOfAnotherTypeThanProtobufBytesOrTextIsRefused() {
        String name = "grpc-wf-bad-request";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            return wf.invoke(fx.url("TransOut"), Map.of("amount", 30));
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protobuf message, byte[] or String");
        assertThat(fx.calls(gid)).isEmpty();
        fx.forceStop(gid);
    }

    @Test
    void theCallbackRefusesAnUnknownWorkflowOrMissingMetadata() {
        Status unknown = fx.callExecute("g-unknown", "no-such-workflow", GrpcWorkflowFixture.input());
        assertThat(unknown.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(unknown.getDescription()).contains("no workflow named 'no-such-workflow' is registered");

        Status anonymous = fx.callExecute(null, null, GrpcWorkflowFixture.input());
        assertThat(anonymous.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(anonymous.getDescription()).contains("dtm-gid and dtm-op");
    }

    @Test
    void engineAndTransportMustMatch() {
        DtmClient http = DtmClient.of(fx.server.dtm());

        assertThatThrownBy(() -> Workflows.grpc(http, "127.0.0.1:5000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a gRPC client");
        assertThatThrownBy(() -> Workflows.http(fx.dtm, "http://127.0.0.1:5000/resume"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs an HTTP client");
        assertThatThrownBy(() -> Workflows.grpc(fx.dtm, "http://127.0.0.1:5000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:port of the application's gRPC server");
        assertThatThrownBy(() ->
                        Workflows.http(http, "http://127.0.0.1:5000/resume").grpcService())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void grpcStepsNeedAnEngineOverGrpc() {
        Workflows overHttp = Workflows.http(DtmClient.of(fx.server.dtm()), "http://127.0.0.1:1/resume");
        String name = "grpc-step-in-http-engine";
        String gid = fx.gid(name);
        overHttp.register(name, (wf, data) -> {
            wf.newBranch();
            return wf.invoke(fx.url("TransOut"), data);
        });

        assertThatThrownBy(() -> overHttp.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Workflows.grpc");
        assertThat(fx.calls(gid)).isEmpty();
        fx.forceStop(gid);
    }
}
