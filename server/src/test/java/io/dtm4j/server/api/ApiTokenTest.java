package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * With ApiTokens set, every route family of the transaction API (HTTP, JSON-RPC, gRPC) needs an
 * accepted bearer token, health checks and metrics do not, and a refused request writes nothing
 * (docs/security.md#api-tokens).
 */
class ApiTokenTest {
    static final String ONE = "token-one-0123456789abcdef";
    static final String TWO = "token-two-0123456789abcdef";
    static final TestServer dtm = new TestServer(c ->
            Configs.security(c, new ServerConfig.Security(ApiTokens.parse(ONE + ", " + TWO), ServerConfig.Tls.NONE)));
    static final HttpClient http = HttpClient.newHttpClient();
    static final ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", dtm.server().grpcPort(), InsecureChannelCredentials.create())
            .build();

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        dtm.close();
    }

    HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(dtm.baseUrl() + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    String saga(String gid) {
        return dtm.json.valueToTree(Trans.saga(gid).step("", "", "{}").body()).toString();
    }

    @Test
    void httpRoutesNeedAnAcceptedTokenAndARefusalWritesNothing() throws Exception {
        for (String authorization : new String[] {null, "Bearer wrong-token-0123456789", ONE, "Basic " + ONE}) {
            var r = send("POST", "/api/dtmsvr/submit", saga("refused"), authorization);
            assertThat(r.statusCode()).as("%s", authorization).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"dtm4j\"");
            assertThat(r.body()).contains("this server requires an API token");
        }
        assertThat(send("GET", "/api/dtmsvr/query?gid=refused", "", "Bearer " + ONE)
                        .body())
                .contains("\"transaction\":null");
        assertThat(send("GET", "/api/dtm4j/parked", "", null).statusCode()).isEqualTo(401);

        // either token, the scheme in any case
        assertThat(send("POST", "/api/dtmsvr/submit", saga("one"), "Bearer " + ONE)
                        .statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/api/dtmsvr/submit", saga("two"), "bearer " + TWO)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void healthChecksAndMetricsNeedNoToken() throws Exception {
        assertThat(send("GET", "/api/ping", "", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/metrics", "", null).statusCode()).isEqualTo(200);
    }

    @Test
    void jsonRpcNeedsTheTokenToo() throws Exception {
        String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"newGid\",\"params\":{}}";
        assertThat(send("POST", "/api/json-rpc", call, null).statusCode()).isEqualTo(401);
        var r = send("POST", "/api/json-rpc", call, "Bearer " + TWO);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"gid\"");
    }

    @Test
    void grpcCallsNeedTheTokenInTheirMetadata() {
        var bare = DtmGrpc.newBlockingStub(channel);
        assertThatThrownBy(() -> bare.newGid(Empty.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("authorization: Bearer <token>");
                });
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + ONE);
        var authorized = bare.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
        assertThat(authorized.newGid(Empty.getDefaultInstance()).getGid()).isNotEmpty();
    }

    @Test
    void shortTokensAreRefusedWithoutQuotingThem() {
        assertThatThrownBy(() -> ApiTokens.parse(ONE + ",short-secret"))
                .hasMessage("token 2 must be at least 16 characters without spaces (e.g. openssl rand -hex 32)")
                .message()
                .doesNotContain("short-secret");
        assertThat(ApiTokens.parse(ONE).toString()).isEqualTo("1 API token(s)");
        assertThat(ApiTokens.parse(" , ").required()).isFalse();
    }
}
