package io.dtm4j.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.invoke.HttpInvoker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts an alert to {@code AlertWebHook} when a transaction has failed {@code AlertRetryLimit}
 * times in a row (docs/protocol.md §9.6), and on every further failure, and when one is parked
 * (event {@code parked}, docs/observability.md#parking). Delivery is asynchronous;
 * its errors are only logged.
 */
public final class Alerts {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    private final String webHook;
    private final long retryLimit;
    private final HttpInvoker http;
    private final ExecutorService executor;
    private final ObjectMapper json;

    public Alerts(String webHook, long retryLimit, HttpInvoker http, ExecutorService executor, ObjectMapper json) {
        this.webHook = webHook;
        this.retryLimit = retryLimit;
        this.http = http;
        this.executor = executor;
        this.json = json;
    }

    /** Sends an alert if {@code retryCount} consecutive failures reach the limit. */
    public void onFailure(String gid, String status, String branchUrl, String error, int retryCount) {
        if (webHook.isEmpty() || retryCount < retryLimit) {
            return;
        }
        post(gid, body("retry", gid, status, branchUrl, error, retryCount));
    }

    /** Sends an alert that {@code gid} was parked (always, whatever the retry limit). */
    public void onParked(String gid, String status, Parking.Mark mark) {
        if (webHook.isEmpty()) {
            return;
        }
        Map<String, Object> body = body("parked", gid, status, mark.branch(), mark.error(), mark.retries());
        body.put("reason", mark.reason());
        post(gid, body);
    }

    private static Map<String, Object> body(
            String event, String gid, String status, String branchUrl, String error, long retryCount) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", event);
        body.put("gid", gid);
        body.put("status", status);
        body.put("branch", branchUrl);
        body.put("error", error);
        body.put("retry_count", retryCount);
        return body;
    }

    private void post(String gid, Map<String, Object> body) {
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        executor.execute(() -> {
            var outcome = http.postJson(webHook, text, 3000);
            if (!outcome.isSuccess()) {
                log.warn("alert for gid {} not delivered to {}: {}", gid, webHook, outcome.text());
            }
        });
    }
}
