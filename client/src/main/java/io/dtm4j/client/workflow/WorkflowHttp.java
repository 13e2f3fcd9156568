package io.dtm4j.client.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.HttpResults;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The workflow engine's HTTP traffic: the three server routes it uses (prepareWorkflow,
 * registerBranch, submit) and the business calls of recorded HTTP steps.
 */
final class WorkflowHttp {
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What prepareWorkflow answered: the stored global and its recorded steps keyed {@code <branch_id>-<op>}. */
    record Prepared(String status, String rollbackReason, String result, Map<String, StepResult> progresses) {}

    /** A business response: status and body text. */
    record Response(int status, String body) {}

    private final String serverUrl;
    private final HttpClient http;
    private final Duration timeout;

    WorkflowHttp(String serverUrl, Duration timeout) {
        this.serverUrl = serverUrl;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /**
     * Creates the workflow unless it exists, and returns it with its recorded steps. Its answer
     * quotes stored texts (a rollback reason may say FAILURE), so only the status code counts.
     */
    Prepared prepareWorkflow(Map<String, Object> body) {
        Response r = send(serverRequest("prepareWorkflow", body), "dtm prepareWorkflow");
        if (r.status() != 200) {
            HttpResults.check(r.status(), r.body());
            throw new DtmException("dtm prepareWorkflow: http status " + r.status() + ": " + r.body());
        }
        JsonNode answer = read(r.body());
        JsonNode trans = answer.path("transaction");
        Map<String, StepResult> progresses = new HashMap<>();
        for (JsonNode p : answer.path("progresses")) {
            String branchId = p.path("branch_id").asText("");
            String op = p.path("op").asText("");
            byte[] data = Base64.getDecoder().decode(p.path("bin_data").asText(""));
            progresses.put(
                    branchId + "-" + op,
                    StepResult.fromRecord(branchId, op, p.path("status").asText(""), data));
        }
        return new Prepared(
                trans.path("status").asText(""),
                trans.path("rollback_reason").asText(""),
                trans.path("result").asText(""),
                progresses);
    }

    /** Records one step; the values must all be strings (the server decodes a string map). */
    void registerBranch(Map<String, String> body) {
        Response r = send(serverRequest("registerBranch", body), "dtm registerBranch");
        HttpResults.check(r.status(), r.body());
    }

    /** Finishes the workflow with the status, reason and result in {@code req_extra}. */
    void submit(Map<String, Object> body) {
        Response r = send(serverRequest("submit", body), "dtm submit");
        HttpResults.check(r.status(), r.body());
    }

    /**
     * Calls a business service. A body is sent as it is; an empty body with GET or DELETE is left out.
     *
     * @throws DtmException when no response arrived (refused connection, timeout)
     */
    Response call(String method, String url, Map<String, String> query, Map<String, String> headers, byte[] body) {
        String separator = url.contains("?") ? "&" : "?";
        HttpRequest.BodyPublisher publisher =
                body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + separator + queryString(query)))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, publisher);
        headers.forEach(request::header);
        return send(request.build(), method + " " + url);
    }

    private HttpRequest serverRequest(String route, Object body) {
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
        return HttpRequest.newBuilder(URI.create(serverUrl + "/" + route))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    private Response send(HttpRequest request, String what) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new DtmException(what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DtmException(what + " interrupted", e);
        }
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text == null || text.isEmpty() ? "null" : text);
        } catch (JsonProcessingException e) {
            throw new DtmException("not JSON: " + text, e);
        }
    }

    private static String queryString(Map<String, String> query) {
        StringBuilder text = new StringBuilder();
        query.forEach((k, v) -> text.append(text.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return text.toString();
    }
}
