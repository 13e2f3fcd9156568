package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both ports from PEM files, and mutual TLS with Tls.ClientCaFile (docs/security.md#tls):
 * a CA, a server certificate for 127.0.0.1 and a client certificate made with openssl for this run.
 */
class TlsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=dtm4j test CA");
        for (String name : List.of("server", "client")) {
            openssl(
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    name + ".key",
                    "-out",
                    name + ".csr",
                    "-subj",
                    "/CN=" + name);
            Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            openssl(
                    "x509",
                    "-req",
                    "-in",
                    name + ".csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    name + ".crt",
                    "-days",
                    "2",
                    "-extfile",
                    name + ".ext");
        }
        openssl(
                "pkcs12",
                "-export",
                "-in",
                "client.crt",
                "-inkey",
                "client.key",
                "-out",
                "client.p12",
                "-passout",
                "pass:changeit");
    }

    static void openssl(String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile())
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as(Files.readString(dir.resolve("openssl.log")))
                .isZero();
    }

    static TestServer server(String clientCa) {
        var tls = new ServerConfig.Tls(
                dir.resolve("server.crt").toString(), dir.resolve("server.key").toString(), clientCa);
        return new TestServer(c -> Configs.security(c, new ServerConfig.Security(ApiTokens.NONE, tls)));
    }

    /** An HTTP client that trusts the test CA, presenting the client certificate when asked to. */
    static HttpClient https(boolean withClientCertificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            trusted.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        var keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore client = KeyStore.getInstance("PKCS12");
        client.load(null, null);
        if (withClientCertificate) {
            try (InputStream in = new FileInputStream(dir.resolve("client.p12").toFile())) {
                client.load(in, "changeit".toCharArray());
            }
        }
        keys.init(client, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).build();
    }

    static int ping(HttpClient client, String scheme, TestServer server) throws Exception {
        var request = HttpRequest.newBuilder(
                        URI.create(scheme + "://127.0.0.1:" + server.server().httpPort() + "/api/dtmsvr/newGid"))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    static String newGidOverGrpc(TestServer server, ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", server.server().grpcPort(), credentials)
                .build();
        try {
            return DtmGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .newGid(Empty.getDefaultInstance())
                    .getGid();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void bothPortsServeTlsAndRefusePlaintext() throws Exception {
        try (TestServer server = server("")) {
            assertThat(ping(https(false), "https", server)).isEqualTo(200);
            assertThatThrownBy(() -> ping(HttpClient.newHttpClient(), "http", server))
                    .isInstanceOf(IOException.class);
            var trustingCa = TlsChannelCredentials.newBuilder()
                    .trustManager(dir.resolve("ca.crt").toFile())
                    .build();
            assertThat(newGidOverGrpc(server, trustingCa)).isNotEmpty();
        }
    }

    @Test
    void withAClientCaOnlyClientsWithACertificateItSignedGetIn() throws Exception {
        try (TestServer server = server(dir.resolve("ca.crt").toString())) {
            assertThatThrownBy(() -> ping(https(false), "https", server)).isInstanceOf(IOException.class);
            assertThat(ping(https(true), "https", server)).isEqualTo(200);

            var anonymous = TlsChannelCredentials.newBuilder()
                    .trustManager(dir.resolve("ca.crt").toFile())
                    .build();
            assertThatThrownBy(() -> newGidOverGrpc(server, anonymous)).isInstanceOf(StatusRuntimeException.class);
            var withCertificate = TlsChannelCredentials.newBuilder()
                    .trustManager(dir.resolve("ca.crt").toFile())
                    .keyManager(
                            dir.resolve("client.crt").toFile(),
                            dir.resolve("client.key").toFile())
                    .build();
            assertThat(newGidOverGrpc(server, withCertificate)).isNotEmpty();
        }
    }
}
