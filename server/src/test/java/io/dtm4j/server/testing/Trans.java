package io.dtm4j.server.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds transaction request bodies the way dtm's Go SDK sends them. */
public final class Trans {
    private final Map<String, Object> body = new LinkedHashMap<>();
    private final List<Map<String, String>> steps = new ArrayList<>();
    private final List<String> payloads = new ArrayList<>();

    private Trans(String gid, String type) {
        body.put("gid", gid);
        body.put("trans_type", type);
        body.put("protocol", "");
        body.put("concurrent", false);
        body.put("steps", steps);
        body.put("payloads", payloads);
    }

    public static Trans saga(String gid) {
        return new Trans(gid, "saga");
    }

    public static Trans msg(String gid) {
        return new Trans(gid, "msg");
    }

    public Trans step(String action, String compensate, String payload) {
        Map<String, String> step = new LinkedHashMap<>();
        step.put("action", action);
        if (compensate != null) {
            step.put("compensate", compensate);
        }
        steps.add(step);
        payloads.add(payload);
        return this;
    }

    public Trans step(String action, String payload) {
        return step(action, null, payload);
    }

    public Trans set(String key, Object value) {
        body.put(key, value);
        return this;
    }

    public Map<String, Object> body() {
        return body;
    }
}
