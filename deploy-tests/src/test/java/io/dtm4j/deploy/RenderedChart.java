package io.dtm4j.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chart in {@code deploy/helm/dtm4j} rendered by Helm itself ({@code helm template}, through
 * helm-java's build of Helm's library) with some values set, parsed into one JSON tree per manifest.
 */
record RenderedChart(List<JsonNode> manifests) {
    static final Path CHART = Path.of(System.getProperty("dtm4j.chart", "../deploy/helm/dtm4j"));
    private static final ObjectMapper YAML = new YAMLMapper();

    /** Renders the chart as release {@code dtm} in namespace {@code tx}; throws Helm's error (a {@code fail}). */
    static RenderedChart render(Map<String, Object> values) throws IOException {
        TemplateCommand template = new Helm(CHART).template().withName("dtm").withNamespace("tx");
        values.forEach(template::set);
        String yaml = template.call();
        List<JsonNode> manifests = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            for (var docs = YAML.readValues(parser, JsonNode.class); docs.hasNext(); ) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    manifests.add(doc);
                }
            }
        }
        return new RenderedChart(manifests);
    }

    /** The manifests of one kind. */
    List<JsonNode> all(String kind) {
        return manifests.stream()
                .filter(m -> kind.equals(m.path("kind").asText()))
                .toList();
    }

    /** The one manifest of a kind and name. */
    JsonNode one(String kind, String name) {
        return manifests.stream()
                .filter(m -> kind.equals(m.path("kind").asText()))
                .filter(m -> name.equals(m.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + kinds()));
    }

    List<String> kinds() {
        return manifests.stream()
                .map(m -> m.path("kind").asText() + "/"
                        + m.path("metadata").path("name").asText())
                .toList();
    }

    /** The server's conf.yml from the ConfigMap, parsed. */
    JsonNode conf() throws IOException {
        return YAML.readTree(
                one("ConfigMap", "dtm-dtm4j").path("data").path("conf.yml").asText());
    }
}
