package io.dtm4j.spring;

import io.dtm4j.client.DtmClient;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP when the dtm server answers: over HTTP its {@code GET /api/ping} (next to the API base {@code
 * /api/dtmsvr}) must answer 200; over gRPC a {@code NewGid} call must succeed (it creates nothing).
 * DOWN with the server's address and the error otherwise. Each check waits at most the client's
 * timeout ({@code dtm4j.timeout}).
 */
public final class DtmServerHealthIndicator implements HealthIndicator {
    private final DtmClient dtm;

    /** An indicator of the server {@code dtm} talks to. */
    public DtmServerHealthIndicator(DtmClient dtm) {
        this.dtm = dtm;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.unknown().withDetail("server", dtm.serverUrl());
        try {
            if (dtm.isGrpc()) {
                dtm.newGid();
                return health.up().build();
            }
            String ping = pingUrl(dtm.serverUrl());
            DtmClient.Response response = dtm.exchange("GET", ping, Map.of(), Map.of(), new byte[0]);
            if (response.status() == 200) {
                return health.up().build();
            }
            return health.down()
                    .withDetail("error", "GET " + ping + " answered " + response.status())
                    .build();
        } catch (RuntimeException e) {
            return health.down().withDetail("error", e.getMessage()).build();
        }
    }

    /** {@code http://host:36789/api/dtmsvr} → {@code http://host:36789/api/ping}. */
    static String pingUrl(String serverUrl) {
        int api = serverUrl.lastIndexOf("/api/");
        String base = api >= 0 ? serverUrl.substring(0, api) : serverUrl;
        return base + "/api/ping";
    }
}
