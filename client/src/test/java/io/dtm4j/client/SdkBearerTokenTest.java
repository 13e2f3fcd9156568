package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DtmClient#withBearerToken} against a server with ApiTokens (docs/security.md#api-tokens):
 * every request to the server carries the token, over HTTP and gRPC, and business services never
 * see it.
 */
class SdkBearerTokenTest {
    static final String TOKEN = "sdk-token-0123456789abcdef";
    static final TestServer server = new TestServer(
            c -> Configs.security(c, new ServerConfig.Security(ApiTokens.parse(TOKEN), ServerConfig.Tls.NONE)));
    static final BusinessStub busi = new BusinessStub();
    static final Map<String, Integer> TRANSFER = Map.of("amount", 30);

    @AfterAll
    static void stop() {
        busi.close();
        server.close();
    }

    @Test
    void httpClientWithTheTokenRunsATccAndTheServicesNeverSeeIt() {
        DtmClient dtm = DtmClient.of(server.dtm()).withBearerToken(TOKEN);
        String gid = dtm.newGid();
        dtm.tccGlobalTransaction(gid, tcc -> {
            tcc.callBranch(TRANSFER, busi.url("TransOut"), busi.url("TransOutConfirm"), busi.url("TransOutRevert"));
            tcc.callBranch(TRANSFER, busi.url("TransIn"), busi.url("TransInConfirm"), busi.url("TransInRevert"));
        });

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(busi.calls(gid))
                .hasSize(4)
                .allSatisfy(c -> assertThat(c.header("Authorization")).isNull());
    }

    @Test
    void withoutTheTokenTheServerRefuses() {
        DtmClient anonymous = DtmClient.of(server.dtm());
        assertThatThrownBy(anonymous::newGid).isInstanceOf(DtmException.class).hasMessageContaining("401");
    }

    @Test
    void grpcClientWithTheTokenSubmitsAndOneWithoutIsRefused() {
        String target = "127.0.0.1:" + server.server().grpcPort();
        try (DtmClient dtm = DtmClient.grpc(target)) {
            assertThatThrownBy(dtm::newGid).isInstanceOf(DtmException.class).hasMessageContaining("UNAUTHENTICATED");
            DtmClient authorized = dtm.withBearerToken(TOKEN);
            String gid = authorized.newGid();
            authorized.saga(gid).add("", "", new byte[0]).waitResult(true).submit();
            assertThat(DtmClient.of(server.dtm()).withBearerToken(TOKEN).status(gid))
                    .isEqualTo("succeed");
        }
    }
}
