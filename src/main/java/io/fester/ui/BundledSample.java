package io.fester.ui;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The sample build the cockpit opens by default: {@code samples/c-demo} of the working directory when
 * Fester runs from its source tree, else the copy inside the jar, written out once to Fester's data
 * directory.
 */
final class BundledSample {
    private static final String NAME = "c-demo";

    private BundledSample() {}

    static Path spec() throws IOException {
        Path local = Path.of("samples", NAME, "fester.yaml");
        if (Files.isRegularFile(local)) {
            return local.toAbsolutePath().normalize();
        }
        Path target = Path.of(System.getProperty("user.home"), ".local", "share", "fester", "samples", NAME);
        if (!Files.isRegularFile(target.resolve("fester.yaml"))) {
            extract(target);
        }
        return target.resolve("fester.yaml");
    }

    private static void extract(Path target) throws IOException {
        URL url = BundledSample.class.getResource("/samples/" + NAME + "/fester.yaml");
        if (url == null) {
            throw new IOException("the sample build is missing from Fester's jar");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    io.fester.session.SourceTree.copy(fs.getPath("/samples/" + NAME), target);
                }
            } else {
                io.fester.session.SourceTree.copy(Path.of(uri).getParent(), target);
            }
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
