package io.dtm4j.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The BOM has no parent of its own, so it cannot take the project's version by inheritance: it is checked here. */
class BomTest {
    @Test
    void bomHasTheProjectVersionAndManagesTheArtifactsApplicationsUse() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(Path.of(System.getProperty("dtm4j.bom", "../bom/pom.xml"))
                        .toFile());
        Element project = pom.getDocumentElement();
        assertThat(child(project, "artifactId")).isEqualTo("dtm4j-bom");
        assertThat(child(project, "packaging")).isEqualTo("pom");
        assertThat(child(project, "version")).isEqualTo(System.getProperty("dtm4j.version"));
        assertThat(project.getElementsByTagName("parent").getLength())
                .as("a parent would hand its third-party versions to every importer")
                .isZero();
        List<String> managed = new ArrayList<>();
        NodeList deps = project.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element dep = (Element) deps.item(i);
            assertThat(child(dep, "groupId")).isEqualTo("io.dtm4j");
            assertThat(child(dep, "version")).isEqualTo("${project.version}");
            managed.add(child(dep, "artifactId"));
        }
        assertThat(managed).contains("dtm4j-client", "dtm4j-discovery", "dtm4j-protocol", "dtm4j-spring-boot-starter");
    }

    private static String child(Element parent, String name) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }
}
