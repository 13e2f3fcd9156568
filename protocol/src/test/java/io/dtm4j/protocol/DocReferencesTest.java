package io.dtm4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the references to the protocol document inside the repository. Walks every text file of the
 * repository (git's tracked and untracked-but-not-ignored files, or the tree without target/, .git/
 * and node_modules/ when git is not available) and checks that:
 *
 * <ul>
 *   <li>nothing cites the old design document or a "spec N.N" section;
 *   <li>every section sign names the document on the same line: {@code docs/protocol.md §8.2} in code
 *       and configuration, {@code [protocol §8.2](protocol.md#82-saga)} in Markdown;
 *   <li>every cited section number is a heading of docs/protocol.md;
 *   <li>every relative Markdown link points to a file that exists and, for a Markdown file, to one of
 *       its headings (GitHub's anchors).
 * </ul>
 *
 * <p>The patterns below spell the section sign as a Unicode escape, and split the old document's
 * name, so that this file passes its own checks.
 */
class DocReferencesTest {
    private static final String PROTOCOL_DOC = "docs/protocol.md";
    private static final String SECTION_SIGN = "\u00a7";

    private static final Pattern OLD_DOC = Pattern.compile("dtm-" + "protocol", Pattern.CASE_INSENSITIVE);
    private static final Pattern SPEC_REF =
            Pattern.compile("\\bspec\\s*" + SECTION_SIGN + "?\\s*\\d+(?:\\.\\d+)*", Pattern.CASE_INSENSITIVE);
    private static final Pattern SECTION_REF = Pattern.compile(SECTION_SIGN + "\\s*(\\d+(?:\\.\\d+)*)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern SECTION_NUMBER = Pattern.compile("^(\\d+(?:\\.\\d+)*)\\.?\\s");
    private static final Pattern MD_LINK =
            Pattern.compile("\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
    private static final Set<String> SKIPPED_DIRS = Set.of("target", ".git", "node_modules");

    private static Path root;
    private static Map<String, String> sections;

    @BeforeAll
    static void findRepository() throws IOException {
        root = repositoryRoot();
        Path doc = root.resolve(PROTOCOL_DOC);
        assertThat(doc)
                .as("%s is missing: it is the protocol document every section reference points into", PROTOCOL_DOC)
                .isRegularFile();
        sections = sectionAnchors(doc);
    }

    @Test
    void referencesPointIntoTheProtocolDocument() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String file : textFiles()) {
            List<String> lines = lines(root.resolve(file));
            if (lines == null) {
                continue;
            }
            for (int i = 0; i < lines.size(); i++) {
                checkLine(file, i + 1, lines.get(i), problems);
            }
        }
        failIfAny(
                problems,
                "References to the protocol must point into " + PROTOCOL_DOC + ", and cite one of its numbered"
                        + " headings. In code and configuration write 'docs/protocol.md " + SECTION_SIGN + "8.2'; in"
                        + " Markdown write a link such as '[protocol " + SECTION_SIGN + "8.2](protocol.md#82-saga)'"
                        + " (from docs/) or '[protocol " + SECTION_SIGN + "8.2](docs/protocol.md#82-saga)' (from the"
                        + " root).");
    }

    @Test
    void markdownLinksResolve() throws IOException {
        Map<Path, Set<String>> anchorCache = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String file : textFiles()) {
            if (!file.endsWith(".md")) {
                continue;
            }
            Path source = root.resolve(file);
            List<String> lines = lines(source);
            if (lines == null) {
                continue;
            }
            boolean fenced = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.stripLeading().startsWith("```")) {
                    fenced = !fenced;
                    continue;
                }
                if (fenced) {
                    continue;
                }
                Matcher m = MD_LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
                while (m.find()) {
                    String problem = checkLink(source, m.group(1), m.group(2), anchorCache);
                    if (problem != null) {
                        problems.add(file + ":" + (i + 1) + ": " + problem);
                    }
                }
            }
        }
        failIfAny(
                problems,
                "Relative Markdown links must name an existing file and, for a .md file, one of its headings"
                        + " (GitHub's anchor: lower case, spaces to '-', punctuation other than '-' and '_' dropped,"
                        + " '-1', '-2'… appended to repeated headings).");
    }

    private static void failIfAny(List<String> problems, String rule) {
        if (!problems.isEmpty()) {
            fail(rule + " " + problems.size() + " problem(s):\n" + String.join("\n", problems));
        }
    }

    private static void checkLine(String file, int lineNo, String line, List<String> problems) {
        String where = file + ":" + lineNo + ": ";
        if (OLD_DOC.matcher(line).find()) {
            problems.add(where + "mentions the old design document; cite " + PROTOCOL_DOC + " instead");
        }
        Matcher spec = SPEC_REF.matcher(line);
        while (spec.find()) {
            problems.add(where + "'" + spec.group() + "': write '" + PROTOCOL_DOC + " " + SECTION_SIGN + "N.N'"
                    + " (code) or a link to protocol.md (Markdown)");
        }
        Matcher ref = SECTION_REF.matcher(line);
        boolean any = false;
        while (ref.find()) {
            any = true;
            if (!sections.containsKey(ref.group(1))) {
                problems.add(where + "'" + ref.group() + "' is not a numbered heading of " + PROTOCOL_DOC);
            }
        }
        if (any && !file.equals(PROTOCOL_DOC) && !line.contains("protocol.md")) {
            problems.add(where + "a section sign without the document on the same line: write '" + PROTOCOL_DOC
                    + " " + SECTION_SIGN + "N.N' (code) or '[protocol " + SECTION_SIGN + "N.N](protocol.md#anchor)'"
                    + " (Markdown)");
        }
    }

    /** Returns what is wrong with the link {@code [text](target)} in {@code source}, or null. */
    private static String checkLink(Path source, String text, String target, Map<Path, Set<String>> anchorCache)
            throws IOException {
        if (target.contains("://") || target.startsWith("mailto:")) {
            return null;
        }
        int hash = target.indexOf('#');
        String pathPart = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : URLDecoder.decode(target.substring(hash + 1), StandardCharsets.UTF_8);
        pathPart = URLDecoder.decode(pathPart, StandardCharsets.UTF_8);
        Path resolved = pathPart.isEmpty()
                ? source
                : (pathPart.startsWith("/") ? root.resolve(pathPart.substring(1)) : source.resolveSibling(pathPart))
                        .normalize();
        if (!resolved.startsWith(root) || !Files.exists(resolved)) {
            return "'" + target + "': " + root.relativize(resolved.normalize()) + " does not exist";
        }
        if (anchor == null || !resolved.toString().endsWith(".md")) {
            return null;
        }
        Set<String> anchors = anchorCache.computeIfAbsent(resolved, DocReferencesTest::anchorsQuietly);
        if (!anchors.contains(anchor)) {
            return "'" + target + "': no heading of " + root.relativize(resolved) + " has the anchor '" + anchor + "'";
        }
        Matcher cited = SECTION_REF.matcher(text);
        if (resolved.equals(root.resolve(PROTOCOL_DOC)) && cited.find()) {
            String section = cited.group(1);
            String expected = sections.get(section);
            if (expected != null && !expected.equals(anchor) && !cited.find()) {
                return "'[" + text + "](" + target + ")' cites " + SECTION_SIGN + section + ", whose anchor is '#"
                        + expected + "'";
            }
        }
        return null;
    }

    /** Section number → anchor, for the numbered headings of the protocol document. */
    private static Map<String, String> sectionAnchors(Path doc) throws IOException {
        Map<String, String> result = new LinkedHashMap<>();
        for (Heading h : headings(doc)) {
            Matcher m = SECTION_NUMBER.matcher(h.text() + " ");
            if (m.find()) {
                result.put(m.group(1), h.anchor());
            }
        }
        return result;
    }

    private static Set<String> anchorsQuietly(Path markdown) {
        try {
            Set<String> anchors = new LinkedHashSet<>();
            headings(markdown).forEach(h -> anchors.add(h.anchor()));
            List<String> lines = lines(markdown);
            if (lines != null) {
                for (String line : lines) {
                    Matcher m = HTML_ANCHOR.matcher(line);
                    while (m.find()) {
                        anchors.add(m.group(1));
                    }
                }
            }
            return anchors;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + markdown, e);
        }
    }

    private record Heading(String text, String anchor) {}

    /** The headings of a Markdown file outside fenced code, with GitHub's anchors. */
    private static List<Heading> headings(Path markdown) throws IOException {
        List<Heading> result = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> lines = lines(markdown);
        boolean fenced = false;
        for (String line : lines == null ? List.<String>of() : lines) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) {
                continue;
            }
            String base = slug(m.group(2));
            int n = seen.merge(base, 1, Integer::sum) - 1;
            result.add(new Heading(m.group(2), n == 0 ? base : base + "-" + n));
        }
        return result;
    }

    /** GitHub's heading anchor: link text only, lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
    static String slug(String heading) {
        String text =
                heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").strip().toLowerCase(java.util.Locale.ROOT);
        StringBuilder sb = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                sb.appendCodePoint(c);
            } else if (c == ' ') {
                sb.append('-');
            }
        });
        return sb.toString();
    }

    @Test
    void slugFollowsGitHub() {
        assertThat(slug("8.2 Saga")).isEqualTo("82-saga");
        assertThat(slug("9.4 Timeouts (`timeout_to_fail`)")).isEqualTo("94-timeouts-timeout_to_fail");
        assertThat(slug("Surprises in dtmcli-java 2.1.5")).isEqualTo("surprises-in-dtmcli-java-215");
        assertThat(slug("etcd with [go-zero](https://go-zero.dev)")).isEqualTo("etcd-with-go-zero");
    }

    /** The repository's text files, relative to the root, '/'-separated. */
    private static Set<String> textFiles() throws IOException {
        Set<String> files = gitFiles();
        if (files == null) {
            files = new TreeSet<>();
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isRegularFile(p) && !skipped(root.relativize(p))) {
                        files.add(root.relativize(p).toString().replace('\\', '/'));
                    }
                }
            }
        }
        files.removeIf(f -> !Files.isRegularFile(root.resolve(f)));
        return files;
    }

    private static boolean skipped(Path relative) {
        for (Path part : relative) {
            if (SKIPPED_DIRS.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    /** Tracked and untracked-but-not-ignored files from git, or null when git cannot say. */
    private static Set<String> gitFiles() {
        try {
            Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                    .directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] out;
            try (InputStream in = git.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
                git.destroy();
                return null;
            }
            Set<String> files = new TreeSet<>();
            for (String f : new String(out, StandardCharsets.UTF_8).split("\0")) {
                if (!f.isEmpty()) {
                    files.add(f);
                }
            }
            return files.isEmpty() ? null : files;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The lines of a text file, or null for a binary one (a NUL byte) or one over 4 MiB. */
    private static List<String> lines(Path file) throws IOException {
        if (Files.size(file) > 4 << 20) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        String text = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        return text.lines().toList();
    }

    /** The nearest directory above the working directory (protocol/ under Maven) that holds mvnw or .git. */
    private static Path repositoryRoot() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(".git")) || Files.isRegularFile(d.resolve("mvnw"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (a directory with mvnw or .git) above " + dir);
    }
}
