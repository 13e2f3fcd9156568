package io.dtm4j.server.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.invoke.Invoker;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.topic.Topics;
import java.time.Clock;

/** What the engine works with; built once at start-up. */
public record EngineContext(
        ServerConfig config,
        Clock clock,
        Store store,
        Invoker invoker,
        Topics topics,
        Metrics metrics,
        Alerts alerts,
        Parking parking,
        Tracing tracing,
        BranchUrls branchUrls,
        Attempts attempts,
        ObjectMapper json) {

    public RetryPolicy retryPolicy() {
        return new RetryPolicy(config);
    }
}
