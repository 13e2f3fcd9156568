package io.dtm4j.client.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.client.DtmClient;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.CallLog;
import io.dtm4j.server.testing.QueryString;
import io.dtm4j.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The real server, a business stub, and the application's resume endpoint (a tiny HTTP server
 * passing the server's callbacks to {@link Workflows#resume}), shared by the workflow tests.
 */
final class WorkflowFixture implements AutoCloseable {
    /** One callback of the server to the resume endpoint. */
    record Callback(String method, Map<String, String> query, String body) {}

    static final String INPUT = "{\"amount\":30}";

    final TestServer server = new TestServer();
    final BusinessStub busi = new BusinessStub();
    final DtmClient dtm = DtmClient.of(server.dtm());
    final Workflows workflows;
    private final HttpServer endpoint;
    private final CallLog<Callback> callbacks = new CallLog<>(c -> c.query().get("gid"));

    WorkflowFixture() {
        try {
            endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        endpoint.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        endpoint.createContext("/api/workflow/resume", this::resume);
        endpoint.start();
        workflows =
                Workflows.http(dtm, "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/api/workflow/resume");
    }

    private void resume(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, String> query = QueryString.parse(ex.getRequestURI().getRawQuery());
        callbacks.add(new Callback(ex.getRequestMethod(), query, new String(body, StandardCharsets.UTF_8)));
        ResumeReply reply = workflows.resume(query, body);
        byte[] answer = reply.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), answer.length);
        try (var out = ex.getResponseBody()) {
            out.write(answer);
        }
    }

    /** A fresh gid for a test. */
    static String gid(String name) {
        return name + "-" + System.nanoTime();
    }

    byte[] input() {
        return INPUT.getBytes(StandardCharsets.UTF_8);
    }

    /** The callbacks the server made for {@code gid}. */
    List<Callback> callbacks(String gid) {
        return callbacks.of(gid);
    }

    /** The recorded steps of {@code gid} in storage order, e.g. {@code [01-action S, 01-commit S]}. */
    List<String> progress(String gid) {
        List<String> result = new ArrayList<>();
        List<String> statuses = server.branchStatuses(gid);
        int i = 0;
        for (JsonNode b : server.query(gid).path("branches")) {
            result.add(b.path("branch_id").asText() + "-" + b.path("op").asText() + " " + statuses.get(i++));
        }
        return result;
    }

    /** Resumes every unfinished workflow the way the server's scheduler does, far ahead of its next retry. */
    void resumeByServer() {
        server.cron(java.time.Duration.ofSeconds(1000));
    }

    /** Stops a workflow a test left unfinished on purpose, so later scheduler rounds leave it alone. */
    void forceStop(String gid) {
        server.post("/api/dtmsvr/forceStop", Map.of("gid", gid));
    }

    @Override
    public void close() {
        endpoint.stop(0);
        busi.close();
        server.close();
    }
}
