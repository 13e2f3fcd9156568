package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** {@code topics ...} against the real server: what the commands change is what a msg then fans out to. */
class CliTopicsTest {
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer();

    String topic;
    CliRunner cli;

    @BeforeEach
    void setUp(TestInfo info) {
        topic = info.getTestMethod().orElseThrow().getName();
        cli = new CliRunner(dtm.baseUrl());
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    /** Submits a msg with the one step {@code topic://<topic>} and waits for its outcome; returns the HTTP status. */
    int publish(String gid) {
        return dtm.post(
                        "/api/dtmsvr/submit",
                        Trans.msg(gid)
                                .step("topic://" + topic, "{}")
                                .set("wait_result", true)
                                .body())
                .status();
    }

    static List<String> cells(String row) {
        return List.of(row.trim().split("\\s{2,}"));
    }

    @Test
    void subscribeUnsubscribeAndDeleteRoundTrip() {
        String first = busi.url("Sub1");
        String second = busi.url("Sub2");

        CliRunner.Result sub = cli.run("topics", "subscribe", topic, first, "the first one");
        assertThat(sub.exit()).as(sub.toString()).isZero();
        assertThat(sub.out()).isEqualTo("subscribed " + first + " to " + topic + "\n");
        assertThat(cli.run("topics", "subscribe", topic, second).exit()).isZero();

        CliRunner.Result list = cli.run("topics", "list");
        assertThat(list.exit()).isZero();
        assertThat(cells(list.lines().get(0))).containsExactly("TOPIC", "SUBSCRIBERS", "VERSION");
        assertThat(list.lines()).anySatisfy(l -> assertThat(cells(l)).containsExactly(topic, "2", "2"));

        CliRunner.Result show = cli.run("topics", "show", topic);
        assertThat(show.lines())
                .map(CliTopicsTest::cells)
                .containsExactly(List.of("URL", "REMARK"), List.of(first, "the first one"), List.of(second, "-"));

        // a msg on the topic now calls both subscribers
        assertThat(publish(topic + "-1")).isEqualTo(200);
        assertThat(busi.calls(topic + "-1")).map(BusinessStub.Call::endpoint).containsExactlyInAnyOrder("Sub1", "Sub2");

        CliRunner.Result unsub = cli.run("topics", "unsubscribe", topic, first);
        assertThat(unsub.exit()).as(unsub.toString()).isZero();
        assertThat(unsub.out()).isEqualTo("unsubscribed " + first + " from " + topic + "\n");
        assertThat(cli.run("topics", "show", topic).lines())
                .map(CliTopicsTest::cells)
                .containsExactly(List.of("URL", "REMARK"), List.of(second, "-"));
        assertThat(publish(topic + "-2")).isEqualTo(200);
        assertThat(busi.calls(topic + "-2")).map(BusinessStub.Call::endpoint).containsExactly("Sub2");

        CliRunner.Result delete = cli.run("topics", "delete", topic);
        assertThat(delete.exit()).as(delete.toString()).isZero();
        assertThat(delete.out()).isEqualTo("deleted topic " + topic + "\n");
        assertThat(cli.run("topics", "list").lines())
                .noneMatch(l -> cells(l).get(0).equals(topic));
        CliRunner.Result gone = cli.run("topics", "show", topic);
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).isEqualTo("dtm4j-cli: no topic " + topic + "\n");
    }

    @Test
    void theServersRefusalsAreShownWithExitCode1() {
        String url = busi.url("Sub1");
        assertThat(cli.run("topics", "subscribe", topic, url).exit()).isZero();

        CliRunner.Result twice = cli.run("topics", "subscribe", topic, url);
        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).isEqualTo("dtm4j-cli: the server failed (HTTP 500): this url exists\n");

        CliRunner.Result unknownUrl = cli.run("topics", "unsubscribe", topic, busi.url("Nobody"));
        assertThat(unknownUrl.exit()).isEqualTo(1);
        assertThat(unknownUrl.err()).startsWith("dtm4j-cli: the server failed (HTTP 500): no such an url");

        CliRunner.Result unknownTopic = cli.run("topics", "delete", topic + "-unknown");
        assertThat(unknownTopic.exit()).isEqualTo(1);
        assertThat(unknownTopic.err()).startsWith("dtm4j-cli: the server failed (HTTP 500): ");
    }

    @Test
    void jsonPrintsTheTopicsKvEntries() {
        String url = busi.url("Sub1");
        assertThat(cli.run("topics", "subscribe", topic, url, "r").exit()).isZero();

        CliRunner.Result list = cli.run("--json", "topics", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.lines())
                .map(dtm::parse)
                .filteredOn(kv -> kv.path("k").asText().equals(topic))
                .singleElement()
                .satisfies(kv -> {
                    assertThat(kv.path("cat").asText()).isEqualTo("topics");
                    assertThat(dtm.parse(kv.path("v").asText())
                                    .get(0)
                                    .path("url")
                                    .asText())
                            .isEqualTo(url);
                });
        CliRunner.Result show = cli.run("topics", "show", topic, "--json");
        assertThat(dtm.parse(show.out()))
                .isEqualTo(dtm.parse(dtm.get("/api/dtmsvr/queryKV?cat=topics&key=" + topic)
                                .body())
                        .path("kv")
                        .get(0));
        assertThat(cli.run("--json", "topics", "subscribe", topic, busi.url("Sub2"))
                        .out())
                .isEqualTo("{\"dtm_result\":\"SUCCESS\"}\n");
    }
}
