package io.fester.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/** Writes a {@link RunReport} in one of its formats, to a stream or atomically to a file. */
public final class ReportFile {
    private ReportFile() {}

    /** The export formats. */
    public enum Format {
        HTML("html"), JSON("json"), TRACE("trace.json");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        /** The file name ending, without the dot. */
        public String extension() {
            return extension;
        }

        /** The format named {@code html}, {@code json} or {@code trace}. */
        public static Format of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** Writes the report in a format. */
    public static void write(RunReport r, Format format, Writer w) throws IOException {
        switch (format) {
            case HTML -> HtmlReport.write(r, w);
            case JSON -> JsonReport.write(r, w);
            default -> TraceReport.write(r, w);
        }
    }

    /**
     * Writes the report to a file: beside it under a temporary name, then renamed, so there is never a
     * half-written report.
     */
    public static void write(RunReport r, Format format, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            write(r, format, w);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
