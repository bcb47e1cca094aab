package io.fester.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's sign that this session showed the window (ADR 0087): bin/fester and the installed launcher keep the
 * class-data archive a first window session writes at its exit only when the JVM exited with 0 and this file exists,
 * so a session that never opened a window (--help, a bad spec, no display) does not leave an archive without JavaFX.
 */
final class ArchiveMark {
    private static volatile boolean written;

    private ArchiveMark() {}

    /** Writes the file named by {@code fester.cockpit.archiveMark}, once; called after the stage was first shown. */
    static void shown() {
        String name = System.getProperty("fester.cockpit.archiveMark");
        if (written || name == null || name.isEmpty()) {
            return;
        }
        written = true;
        try {
            Files.write(Path.of(name), new byte[0]);
        } catch (IOException | RuntimeException e) {
            // no mark: the launcher then drops the archive and the next window session writes one
        }
    }
}
