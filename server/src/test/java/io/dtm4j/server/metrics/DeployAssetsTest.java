package io.dtm4j.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/ name only metrics the server
 * exposes, after it has done the work they describe (calls, a parked transaction, a claim).
 */
class DeployAssetsTest {
    static final Path DEPLOY = Path.of("..", "deploy");
    static final Pattern METRIC = Pattern.compile("\\b((?:dtm4j|dtm|jvm|process)_[a-zA-Z0-9_]+)");
    static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);

    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer(c -> c.withParking(new ServerConfig.Parking(1, 0)));

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    @Test
    void theDashboardAndTheAlertRulesNameOnlyExposedMetrics() throws IOException {
        busi.alwaysFor("deployFails", "TransOut", Reply.ERROR);
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga("deployWorks")
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                        .set("wait_result", true)
                        .body());
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga("deployFails")
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                        .body());
        await().until(() -> dtm.get("/api/dtm4j/parked").body().contains("deployFails"));
        dtm.cron();

        Set<String> exposed = exposedSampleNames(dtm.get("/api/metrics").body());
        Set<String> named = new TreeSet<>();
        collectMetricNames(
                new ObjectMapper()
                        .readTree(DEPLOY.resolve("grafana/dtm4j-dashboard.json").toFile()),
                named);
        collectMetricNames(
                new ObjectMapper(new YAMLFactory())
                        .readTree(DEPLOY.resolve("prometheus/dtm4j-alerts.yml").toFile()),
                named);

        assertThat(named).hasSizeGreaterThan(10).contains("dtm4j_parked_transactions", "dtm4j_due_transactions");
        assertThat(named)
                .allSatisfy(name -> assertThat(exposed).as("exposed metrics").contains(name));
    }

    /** Sample names a scrape may carry: those present, and those their families' types imply. */
    static Set<String> exposedSampleNames(String scrape) {
        Set<String> names = new HashSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        Matcher m = TYPE.matcher(scrape);
        while (m.find()) {
            String family = m.group(1);
            names.add(family);
            switch (m.group(2)) {
                case "counter" -> names.add(family + "_total");
                case "histogram" -> names.addAll(Set.of(family + "_bucket", family + "_count", family + "_sum"));
                default -> {}
            }
        }
        return names;
    }

    /** Adds the metric names in every {@code expr} of the tree. */
    static void collectMetricNames(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("expr")) {
                    Matcher m = METRIC.matcher(e.getValue().asText());
                    while (m.find()) {
                        into.add(m.group(1));
                    }
                } else {
                    collectMetricNames(e.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectMetricNames(n, into));
        }
    }
}
