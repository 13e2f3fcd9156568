package io.dtm4j.faults.workload;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.client.HttpResults;
import io.dtm4j.client.workflow.Workflows;
import io.dtm4j.faults.bank.HttpBank;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The workload application's HTTP endpoint through which a server resumes an interrupted workflow
 * ({@code query_prepared} of a workflow): {@code /wf/<node>} runs the workflow again with that
 * node's {@link Workflows}.
 */
final class WorkflowHost implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Integer, Workflows> byNode = new ConcurrentHashMap<>();

    WorkflowHost() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(executor);
        http.createContext("/wf/", this::resume);
        http.start();
    }

    /** The callback URL of node {@code node}'s workflows. */
    String callbackUrl(int node) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/wf/" + node;
    }

    void register(int node, Workflows workflows) {
        byNode.put(node, workflows);
    }

    private void resume(HttpExchange exchange) throws IOException {
        Throwable error = null;
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            Workflows workflows = byNode.get(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
            try {
                workflows.executeByQuery(HttpBank.query(exchange.getRequestURI().getRawQuery()), body);
            } catch (RuntimeException e) {
                error = e;
            }
            byte[] answer = HttpResults.bodyFor(error).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(HttpResults.statusFor(error), answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
