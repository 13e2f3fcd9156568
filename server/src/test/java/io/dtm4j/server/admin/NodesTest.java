package io.dtm4j.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.Dtm4jServer;
import io.dtm4j.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The nodes sharing a store keep their entries themselves (docs/operations.md#nodes): listed with
 * address, version, times and rounds in progress, not alive once their heartbeat is old, forgotten
 * later, removed when they stop. The clock is moved; the heartbeat timer does not run in tests.
 */
class NodesTest {
    static final TestServer dtm = new TestServer();

    @AfterAll
    static void stop() {
        dtm.close();
    }

    JsonNode listed() {
        var r = dtm.get("/api/dtm4j/nodes");
        assertThat(r.status()).isEqualTo(200);
        return dtm.parse(r.body()).path("nodes");
    }

    /** Another node on the same store, as a second server process would be. */
    Nodes another(String id) {
        Nodes other = new Nodes(dtm.server().store(), dtm.json, dtm.clock, () -> 3);
        other.join(new Nodes.Node(
                id, "other-host", 1, 2, "9.9.9", 42, dtm.clock.instant().toString(), "", 0));
        return other;
    }

    @Test
    void nodesListThemselvesAndLeaveWhenTheyStop() {
        Nodes other = another("node-b");
        List<String> ids = listed().findValuesAsText("id");
        assertThat(ids).hasSizeGreaterThanOrEqualTo(2).contains("node-b");

        JsonNode self = listed().get(0); // this node first
        assertThat(self.path("http_port").asInt()).isEqualTo(dtm.server().httpPort());
        assertThat(self.path("grpc_port").asInt()).isEqualTo(dtm.server().grpcPort());
        assertThat(self.path("version").asText()).isEqualTo(Dtm4jServer.version());
        assertThat(self.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(self.path("alive").asBoolean()).isTrue();
        JsonNode b = find("node-b");
        assertThat(b.path("host").asText()).isEqualTo("other-host");
        assertThat(b.path("rounds_in_progress").asInt()).isEqualTo(3);

        other.leave();
        assertThat(listed().findValuesAsText("id")).doesNotContain("node-b");
    }

    @Test
    void aNodeWithoutHeartbeatIsNotAliveThenForgotten() {
        Nodes other = another("node-c");
        dtm.clock.advance(Nodes.ALIVE.plusSeconds(1));
        dtm.server().nodes().beat(); // this node beats on; node-c is silent
        assertThat(find("node-c").path("alive").asBoolean()).isFalse();
        assertThat(listed().get(0).path("alive").asBoolean()).isTrue();

        other.beat(); // back (e.g. after a pause)
        assertThat(find("node-c").path("alive").asBoolean()).isTrue();

        dtm.clock.advance(Nodes.FORGET.plus(Duration.ofMinutes(1)));
        dtm.server().nodes().beat();
        assertThat(listed().findValuesAsText("id")).doesNotContain("node-c");
        other.beat(); // a node forgotten while paused writes its entry again
        assertThat(find("node-c").path("alive").asBoolean()).isTrue();
        other.leave();
    }

    JsonNode find(String id) {
        for (JsonNode n : listed()) {
            if (n.path("id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError(id + " is not listed: " + listed());
    }
}
