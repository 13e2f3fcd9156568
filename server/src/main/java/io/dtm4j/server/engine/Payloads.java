package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalises step payloads: {@code payloads[i]}, then the legacy non-empty {@code steps[i].data};
 * a gRPC request's binary payloads are taken as they are (docs/protocol.md §5.1).
 */
public final class Payloads {
    private Payloads() {}

    public static List<byte[]> of(TransRequest request) {
        if (request.binPayloads() != null) {
            return request.binPayloads();
        }
        List<byte[]> result = new ArrayList<>();
        for (String p : request.payloads()) {
            result.add(p == null ? new byte[0] : p.getBytes(StandardCharsets.UTF_8));
        }
        for (var step : request.steps()) {
            String data = step.get("data");
            if (data != null && !data.isEmpty()) {
                result.add(data.getBytes(StandardCharsets.UTF_8));
            }
        }
        return result;
    }
}
