package io.fester.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Keeps the details of Fester's own bugs in a file, so users see a message and not a stack trace. */
final class InternalErrors {
    private InternalErrors() {}

    /** Writes the trace to a temporary file; returns its path, or null. */
    static String save(String trace) {
        try {
            Path f = Files.createTempFile("fester-error-", ".txt");
            Files.writeString(f, trace, StandardCharsets.UTF_8);
            return f.toString();
        } catch (IOException e) {
            return null;
        }
    }
}
