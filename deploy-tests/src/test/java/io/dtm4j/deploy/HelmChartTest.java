package io.dtm4j.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Helm chart's manifests for the embedded store, for a shared store, and the values it refuses. */
class HelmChartTest {
    private static final Map<String, Object> POSTGRES = Map.of(
            "store.driver", "postgres",
            "store.host", "pg.db.svc",
            "store.port", 5432,
            "store.user", "dtm",
            "store.password", "s3cret-pw",
            "replicaCount", 3);

    @Test
    void chartPassesHelmLint() {
        var result = new Helm(RenderedChart.CHART).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
    }

    @Test
    void embeddedStoreIsOneStatefulPodWithAPersistentVolumeClaim() throws Exception {
        RenderedChart chart = RenderedChart.render(Map.of());
        assertThat(chart.all("Deployment")).isEmpty();
        JsonNode set = chart.one("StatefulSet", "dtm-dtm4j");
        assertThat(set.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(set.at("/spec/serviceName").asText()).isEqualTo("dtm-dtm4j-headless");
        JsonNode claim = set.at("/spec/volumeClaimTemplates/0");
        assertThat(claim.at("/metadata/name").asText()).isEqualTo("data");
        assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("1Gi");
        assertThat(mountPaths(set)).containsEntry("data", "/var/lib/dtm4j").containsEntry("config", "/etc/dtm4j");
        assertThat(chart.conf().at("/Store/Driver").asText()).isEqualTo("embedded");
        assertThat(chart.all("Secret")).isEmpty();
        assertThat(chart.all("ServiceMonitor")).isEmpty();
        assertThat(chart.all("PodDisruptionBudget")).isEmpty();
    }

    @Test
    void probesAskPingOnTheHttpPort() throws Exception {
        JsonNode container = container(RenderedChart.render(Map.of()).one("StatefulSet", "dtm-dtm4j"));
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/path").asText())
                    .as(probe)
                    .isEqualTo("/api/ping");
            assertThat(container.at("/" + probe + "/httpGet/port").asText())
                    .as(probe)
                    .isEqualTo("http");
        }
        assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(36789);
        assertThat(container.at("/ports/1/name").asText()).isEqualTo("grpc");
        assertThat(container.at("/ports/1/containerPort").asInt()).isEqualTo(36790);
    }

    @Test
    void withTlsTheCertificatesAreMountedAndTheProbesFollow() throws Exception {
        JsonNode set = RenderedChart.render(Map.of("tls.secretName", "dtm-tls")).one("StatefulSet", "dtm-dtm4j");
        JsonNode container = container(set);
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/scheme").asText())
                    .as(probe)
                    .isEqualTo("HTTPS");
        }
        assertThat(container.get("env").toString())
                .contains("TLS_CERT_FILE", "/etc/dtm4j/tls/tls.crt", "TLS_KEY_FILE")
                .doesNotContain("TLS_CLIENT_CA_FILE");
        assertThat(container.get("volumeMounts").toString()).contains("/etc/dtm4j/tls");
        assertThat(set.at("/spec/template/spec/volumes").toString()).contains("\"secretName\":\"dtm-tls\"");

        JsonNode mutual =
                container(RenderedChart.render(Map.of("tls.secretName", "dtm-tls", "tls.requireClientCert", true))
                        .one("StatefulSet", "dtm-dtm4j"));
        assertThat(mutual.at("/readinessProbe/tcpSocket/port").asText())
                .as("the kubelet has no client certificate")
                .isEqualTo("http");
        assertThat(mutual.at("/readinessProbe/httpGet").isMissingNode()).isTrue();
        assertThat(mutual.get("env").toString()).contains("TLS_CLIENT_CA_FILE", "/etc/dtm4j/tls/ca.crt");

        JsonNode plain = container(RenderedChart.render(Map.of()).one("StatefulSet", "dtm-dtm4j"));
        assertThat(plain.at("/livenessProbe/httpGet/scheme").asText()).isEqualTo("HTTP");
        assertThat(plain.get("env").toString()).doesNotContain("TLS_");
    }

    @Test
    void serviceOffersHttpAndGrpc() throws Exception {
        JsonNode service = RenderedChart.render(Map.of()).one("Service", "dtm-dtm4j");
        assertThat(service.at("/spec/ports/0/name").asText()).isEqualTo("http");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(36789);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(service.at("/spec/ports/1/name").asText()).isEqualTo("grpc");
        assertThat(service.at("/spec/ports/1/port").asInt()).isEqualTo(36790);
        assertThat(service.at("/spec/ports/1/targetPort").asText()).isEqualTo("grpc");
    }

    @Test
    void podRunsAsNonRootOnAReadOnlyRootFilesystem() throws Exception {
        JsonNode set = RenderedChart.render(Map.of()).one("StatefulSet", "dtm-dtm4j");
        assertThat(set.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean())
                .isTrue();
        assertThat(set.at("/spec/template/spec/securityContext/runAsUser").asInt())
                .isEqualTo(65532);
        assertThat(set.at("/spec/template/spec/securityContext/fsGroup").asInt())
                .isEqualTo(65532);
        JsonNode container = container(set);
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean())
                .isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean())
                .isFalse();
        assertThat(mountPaths(set)).containsEntry("tmp", "/tmp");
    }

    @Test
    void sharedStoreIsADeploymentOfSeveralNodesUpdatedOneAtATime() throws Exception {
        RenderedChart chart = RenderedChart.render(POSTGRES);
        assertThat(chart.all("StatefulSet")).isEmpty();
        JsonNode deployment = chart.one("Deployment", "dtm-dtm4j");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt())
                .isZero();
        assertThat(deployment.at("/spec/template/spec/volumes").findValuesAsText("name"))
                .contains("data", "tmp");
        assertThat(chart.one("PodDisruptionBudget", "dtm-dtm4j")
                        .at("/spec/maxUnavailable")
                        .asInt())
                .isEqualTo(1);
        // one address per pod, for gRPC clients that spread their calls over the nodes
        assertThat(chart.one("Service", "dtm-dtm4j-headless")
                        .at("/spec/clusterIP")
                        .asText())
                .isEqualTo("None");
        JsonNode conf = chart.conf();
        assertThat(conf.at("/Store/Driver").asText()).isEqualTo("postgres");
        assertThat(conf.at("/Store/Host").asText()).isEqualTo("pg.db.svc");
        assertThat(conf.at("/Store/Port").asInt()).isEqualTo(5432);
        assertThat(conf.at("/Store/User").asText()).isEqualTo("dtm");
        assertThat(conf.at("/Store/Db").asText()).isEqualTo("dtm");
    }

    @Test
    void storePortDefaultsToTheDriversUsualPort() throws Exception {
        Map<String, Integer> ports = Map.of("postgres", 5432, "mysql", 3306, "redis", 6379);
        for (var driver : ports.entrySet()) {
            RenderedChart chart = RenderedChart.render(
                    Map.of("store.driver", driver.getKey(), "store.host", "db", "store.user", "dtm"));
            assertThat(chart.conf().at("/Store/Port").asInt())
                    .as(driver.getKey())
                    .isEqualTo(driver.getValue());
        }
    }

    @Test
    void storePasswordGoesToASecretReadAsStorePassword() throws Exception {
        RenderedChart chart = RenderedChart.render(POSTGRES);
        JsonNode secret = chart.one("Secret", "dtm-dtm4j");
        assertThat(new String(
                        Base64.getDecoder().decode(secret.at("/data/password").asText())))
                .isEqualTo("s3cret-pw");
        JsonNode env = env(container(chart.one("Deployment", "dtm-dtm4j")), "STORE_PASSWORD");
        assertThat(env.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("dtm-dtm4j");
        assertThat(env.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("password");
        // the file wins over the environment: a password in the ConfigMap would hide the Secret's
        assertThat(chart.one("ConfigMap", "dtm-dtm4j").toString()).doesNotContain("s3cret-pw");
        assertThat(chart.conf().at("/Store").has("Password")).isFalse();
    }

    @Test
    void existingSecretIsReferencedAndNoneIsMade() throws Exception {
        var values = new java.util.HashMap<>(POSTGRES);
        values.remove("store.password");
        values.put("store.existingSecret", "pg-credentials");
        values.put("store.existingSecretKey", "pw");
        RenderedChart chart = RenderedChart.render(values);
        assertThat(chart.all("Secret")).isEmpty();
        JsonNode env = env(container(chart.one("Deployment", "dtm-dtm4j")), "STORE_PASSWORD");
        assertThat(env.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("pg-credentials");
        assertThat(env.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("pw");
    }

    @Test
    void configValuesReachTheMountedYamlAndRestartThePodsWhenChanged() throws Exception {
        RenderedChart a = RenderedChart.render(Map.of("config.RetryInterval", 5, "config.LogFormat", "json"));
        assertThat(a.conf().at("/RetryInterval").asInt()).isEqualTo(5);
        assertThat(a.conf().at("/LogFormat").asText()).isEqualTo("json");
        RenderedChart b = RenderedChart.render(Map.of("config.RetryInterval", 6));
        String checksum = "/spec/template/metadata/annotations/checksum~1config";
        assertThat(a.one("StatefulSet", "dtm-dtm4j").at(checksum).asText())
                .isNotBlank()
                .isNotEqualTo(b.one("StatefulSet", "dtm-dtm4j").at(checksum).asText());
    }

    @Test
    void serviceMonitorScrapesMetricsWhenEnabled() throws Exception {
        RenderedChart chart = RenderedChart.render(Map.of("serviceMonitor.enabled", true));
        JsonNode monitor = chart.one("ServiceMonitor", "dtm-dtm4j");
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/api/metrics");
        // only the API Service, not the StatefulSet's headless one: each pod is scraped once
        assertThat(monitor.at("/spec/selector/matchLabels/app.kubernetes.io~1component")
                        .asText())
                .isEqualTo("api");
        assertThat(chart.one("Service", "dtm-dtm4j")
                        .at("/metadata/labels/app.kubernetes.io~1component")
                        .asText())
                .isEqualTo("api");
        assertThat(chart.one("Service", "dtm-dtm4j-headless")
                        .at("/metadata/labels")
                        .has("app.kubernetes.io/component"))
                .isFalse();
    }

    @Test
    void refusesSeveralReplicasOnTheEmbeddedStore() {
        assertThatThrownBy(() -> RenderedChart.render(Map.of("replicaCount", 2)))
                .hasMessageContaining("replicaCount = 2 with store.driver = embedded")
                .hasMessageContaining("use postgres, mysql or redis for several");
    }

    @Test
    void refusesASharedStoreWithoutHostAndAPasswordInTheConfigMap() {
        assertThatThrownBy(() -> RenderedChart.render(Map.of("store.driver", "redis")))
                .hasMessageContaining("store.host is empty: it must be set when store.driver is redis");
        assertThatThrownBy(() -> RenderedChart.render(Map.of("store.driver", "sqlserver")))
                .hasMessageContaining("store.driver = \"sqlserver\"");
        assertThatThrownBy(() -> RenderedChart.render(Map.of("config.Store.Password", "x")))
                .hasMessageContaining("config.Store.Password is set");
    }

    private static JsonNode container(JsonNode workload) {
        return workload.at("/spec/template/spec/containers/0");
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("env"));
    }

    private static Map<String, String> mountPaths(JsonNode workload) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode m : container(workload).path("volumeMounts")) {
            out.put(m.path("name").asText(), m.path("mountPath").asText());
        }
        return out;
    }
}
