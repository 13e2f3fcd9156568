package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every public type, constructor and method of the SDK carries a Javadoc comment. */
class PublicApiDocumentedTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PUBLIC_DECLARATION =
            Pattern.compile("^\\s*public\\s+(?!.*=).*[({]\\s*$|^\\s*public\\s+.*\\(.*");
    private static final Pattern OVERRIDE_OR_ANNOTATION = Pattern.compile("^\\s*@\\w+.*$");

    @Test
    void everyPublicDeclarationHasJavadoc() throws IOException {
        List<String> undocumented = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (PUBLIC_DECLARATION.matcher(lines.get(i)).find() && !documented(lines, i)) {
                        undocumented.add(SOURCES.relativize(file) + ":" + (i + 1) + ": "
                                + lines.get(i).trim());
                    }
                }
            }
        }
        assertThat(undocumented).as("public declarations without Javadoc").isEmpty();
    }

    /** A declaration is documented when a Javadoc comment ends right above it (annotations aside). */
    private static boolean documented(List<String> lines, int declaration) {
        int i = declaration - 1;
        while (i >= 0 && OVERRIDE_OR_ANNOTATION.matcher(lines.get(i)).matches()) {
            if (lines.get(i).trim().equals("@Override")) {
                return true; // documented by the overridden method
            }
            i--;
        }
        return i >= 0 && lines.get(i).trim().endsWith("*/") && javadocStart(lines, i);
    }

    private static boolean javadocStart(List<String> lines, int end) {
        for (int i = end; i >= 0; i--) {
            String line = lines.get(i).trim();
            if (line.startsWith("/**")) {
                return true;
            }
            if (line.startsWith("/*")) {
                return false;
            }
        }
        return false;
    }
}
