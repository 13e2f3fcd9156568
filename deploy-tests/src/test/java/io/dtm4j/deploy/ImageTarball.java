package io.dtm4j.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The image tarball that {@code jib:buildTar} writes (the layout of {@code docker save}: {@code
 * manifest.json}, the config JSON, one gzipped tar per layer): its manifest, its config, and the files
 * of its layers with their modes (a later layer's file replaces an earlier one's).
 */
final class ImageTarball {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One file or directory of the image's file system. */
    record LayerFile(String path, int mode, boolean directory, byte[] content) {}

    final JsonNode manifest;
    final JsonNode config;
    final Map<String, LayerFile> files = new LinkedHashMap<>();

    private ImageTarball(JsonNode manifest, JsonNode config, List<byte[]> layers) throws IOException {
        this.manifest = manifest;
        this.config = config;
        for (byte[] layer : layers) {
            try (TarArchiveInputStream in =
                    new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
                for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    String path = "/" + e.getName().replaceAll("/$", "");
                    byte[] content = e.isDirectory() ? null : in.readAllBytes();
                    files.put(path, new LayerFile(path, e.getMode() & 07777, e.isDirectory(), content));
                }
            }
        }
    }

    /** The tarball named by the system property {@code dtm4j.image.tar} (this module's pom sets it). */
    static ImageTarball ofBuild() throws IOException {
        Path tar = Path.of(System.getProperty("dtm4j.image.tar", "../server/target/dtm4j-image-check.tar"));
        if (!Files.isRegularFile(tar)) {
            throw new IllegalStateException(tar.toAbsolutePath().normalize()
                    + " is missing: build the server module first (./mvnw -pl server -am verify -DskipTests)");
        }
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (!e.isDirectory()) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        JsonNode manifest = JSON.readTree(required(entries, "manifest.json"));
        if (manifest.size() != 1) {
            throw new IllegalStateException("manifest.json lists " + manifest.size() + " images, expected 1");
        }
        JsonNode config =
                JSON.readTree(required(entries, manifest.get(0).get("Config").asText()));
        List<byte[]> layers = new ArrayList<>();
        manifest.get(0).get("Layers").forEach(layer -> layers.add(required(entries, layer.asText())));
        return new ImageTarball(manifest, config, layers);
    }

    /** The content of a file of the image, as text. */
    String text(String path) {
        LayerFile file = files.get(path);
        if (file == null || file.directory()) {
            throw new IllegalStateException("the image has no file " + path + "; it has " + files.keySet());
        }
        return new String(file.content(), StandardCharsets.UTF_8);
    }

    /** Writes the image's files under {@code root}, with their modes: the file system a container would see. */
    void extractTo(Path root) throws IOException {
        for (LayerFile file : files.values()) {
            Path target = root.resolve(file.path().substring(1));
            if (file.directory()) {
                Files.createDirectories(target);
            } else {
                Files.createDirectories(target.getParent());
                Files.write(target, file.content());
            }
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(rwx(file.mode())));
        }
    }

    private static String rwx(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            s.append((bits & 4) != 0 ? 'r' : '-')
                    .append((bits & 2) != 0 ? 'w' : '-')
                    .append((bits & 1) != 0 ? 'x' : '-');
        }
        return s.toString();
    }

    private static byte[] required(Map<String, byte[]> entries, String name) {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new IllegalStateException("the tarball has no " + name + "; it has " + entries.keySet());
        }
        return bytes;
    }
}
