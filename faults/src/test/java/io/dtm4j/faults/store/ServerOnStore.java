package io.dtm4j.faults.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs a real dtm4j server on a started store with nothing but {@link StoreInstance#serverEnv}, and
 * checks that what it acknowledged is still there after the store crashed and came back, without
 * restarting the server: what the fault suite does to it.
 */
final class ServerOnStore {
    private static final String NOWHERE = "http://127.0.0.1:1/nowhere";

    private ServerOnStore() {}

    static void preparedMessageOutlivesStoreCrash(StoreInstance store, Path dir) throws Exception {
        Map<String, String> env = store.serverEnv();
        Path serverData =
                Path.of(env.getOrDefault("STORE_DATA_DIR", dir.resolve("server").toString()));
        var server = new ServerProcess(serverData, env).start();
        try {
            String gid = "private-" + store.name();
            String msg = """
                    {"gid":"%s","trans_type":"msg","steps":[{"action":"%s"}],"payloads":["{}"],
                     "query_prepared":"%s"}""".formatted(gid, NOWHERE, NOWHERE);
            var prepared = server.post("/api/dtmsvr/prepare", msg);
            assertThat(prepared.statusCode()).as(prepared.body()).isEqualTo(200);
            assertThat(server.status(gid)).isEqualTo("prepared");

            if (store.canBeStopped()) {
                store.stop();
                store.restart();
                try {
                    Awaitility.await("the server reads " + store.name() + " again")
                            .atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200))
                            .ignoreExceptions()
                            .until(() -> server.status(gid).equals("prepared"));
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(
                            "the server lost " + gid + " or the store: its query answers "
                                    + server.get("/api/dtmsvr/query?gid=" + gid).body() + "\nits output:\n"
                                    + server.output(),
                            e);
                }
            }
        } finally {
            server.kill(); // and waited for: nothing writes into the directory that close() deletes
        }
    }
}
