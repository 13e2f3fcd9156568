package io.dtm4j.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image as the server module builds it (on an empty base, which needs no registry; the
 * released image differs only by its base, see docs/deployment.md): what a container runtime reads from
 * its manifest and config, and the files dtm4j adds.
 */
class ImageTest {
    private static ImageTarball image;

    @BeforeAll
    static void readImage() throws IOException {
        image = ImageTarball.ofBuild();
    }

    @Test
    void manifestTagsTheImageWithTheProjectVersionAndListsItsLayers() {
        JsonNode entry = image.manifest.get(0);
        assertThat(entry.get("RepoTags").get(0).asText()).isEqualTo("dtm4j:" + System.getProperty("dtm4j.version"));
        assertThat(entry.get("Layers").size())
                .isEqualTo(image.config.get("rootfs").get("diff_ids").size())
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void entrypointIsTheContainerScript() {
        JsonNode config = image.config.get("config");
        assertThat(texts(config.get("Entrypoint"))).containsExactly("/opt/dtm4j/bin/dtm4j-container");
        assertThat(config.has("Cmd"))
                .as("no default arguments: the script finds the mounted YAML itself")
                .isFalse();
        assertThat(image.files.get("/opt/dtm4j/bin/dtm4j-container").mode()).isEqualTo(0755);
        assertThat(image.text("/opt/dtm4j/bin/dtm4j-container")).startsWith("#!/bin/sh\n");
    }

    @Test
    void runsAsANumericNonRootUser() {
        String user = image.config.get("config").get("User").asText();
        assertThat(user).matches("\\d+:\\d+");
        assertThat(Integer.parseInt(user.substring(0, user.indexOf(':')))).isNotZero();
    }

    @Test
    void exposesTheHttpAndGrpcPorts() {
        List<String> ports = new ArrayList<>();
        image.config.get("config").get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactlyInAnyOrder("36789/tcp", "36790/tcp");
    }

    @Test
    void labelsNameTheVersionTheBaseAndTheHealthCheck() {
        JsonNode labels = image.config.get("config").get("Labels");
        assertThat(labels.get("org.opencontainers.image.title").asText()).isEqualTo("dtm4j");
        assertThat(labels.get("org.opencontainers.image.version").asText())
                .isEqualTo(System.getProperty("dtm4j.version"));
        assertThat(labels.get("org.opencontainers.image.base.name").asText()).startsWith("eclipse-temurin:25");
        assertThat(labels.get("io.dtm4j.healthcheck").asText()).isEqualTo("/opt/dtm4j/bin/dtm4j-container healthcheck");
        assertThat(labels.get("io.dtm4j.ping").asText()).isEqualTo("/api/ping");
    }

    @Test
    void keepsItsStateInAWritableVolumeAndReadsTheMountedYaml() {
        JsonNode config = image.config.get("config");
        assertThat(config.get("Volumes").has("/var/lib/dtm4j")).isTrue();
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/var/lib/dtm4j");
        assertThat(texts(config.get("Env")))
                .contains(
                        "STORE_DATA_DIR=/var/lib/dtm4j/data",
                        "DTM4J_AOT_DIR=/var/lib/dtm4j/aot",
                        "DTM4J_CONFIG=/etc/dtm4j/conf.yml");
        // Jib sets no owner on the files it adds: the directory must be writable by the image's user anyway
        assertThat(image.files.get("/var/lib/dtm4j").mode()).isEqualTo(0777);
    }

    @Test
    void classpathFileNamesJarsThatTheImageHolds() {
        String classpath = image.text("/app/jib-classpath-file").strip();
        assertThat(image.text("/app/jib-main-class-file").strip()).isEqualTo("io.dtm4j.server.Main");
        List<String> jars = new ArrayList<>();
        for (String entry : classpath.split(":")) {
            if (entry.endsWith("/*")) {
                String dir = entry.substring(0, entry.length() - 1);
                image.files.keySet().stream()
                        .filter(p -> p.startsWith(dir) && p.endsWith(".jar"))
                        .forEach(jars::add);
            } else {
                assertThat(image.files).as("classpath entry %s", entry).containsKey(entry);
                jars.add(entry);
            }
        }
        assertThat(jars).allMatch(j -> j.endsWith(".jar"), "only jars: the ahead-of-time cache takes no directories");
        assertThat(jars).anyMatch(j -> j.matches("/app/classpath/dtm4j-server-.*\\.jar"));
    }

    @Test
    void serverJarHoldsTheMainTheTrainingAndTheHealthCheck() throws IOException {
        String server = image.files.keySet().stream()
                .filter(p -> p.matches("/app/classpath/dtm4j-server-.*\\.jar"))
                .findFirst()
                .orElseThrow();
        List<String> classes = new ArrayList<>();
        try (JarInputStream jar = new JarInputStream(
                new ByteArrayInputStream(image.files.get(server).content()))) {
            for (ZipEntry e = jar.getNextEntry(); e != null; e = jar.getNextEntry()) {
                classes.add(e.getName());
            }
        }
        assertThat(classes)
                .contains(
                        "io/dtm4j/server/Main.class",
                        "io/dtm4j/server/Training.class",
                        "io/dtm4j/server/HealthCheck.class");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
