package io.fester.cli;

import io.fester.report.HtmlReport;
import io.fester.report.JsonReport;
import io.fester.report.RunReport;
import io.fester.report.TraceReport;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester report RUN --format html|json|trace [-o FILE]}: the autopsy report. */
@Command(name = "report", description = "Export a run's autopsy report: one self-contained HTML file, JSON, "
        + "or Chrome trace-event JSON")
final class ReportCommand implements Callable<Integer> {
    enum Format { html, json, trace }

    @Parameters(index = "0", paramLabel = "RUN", description = "run number or 'last'")
    String run;

    @Option(names = "--format", defaultValue = "html", description = "html, json or trace (default ${DEFAULT-VALUE})")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here (default: standard output)")
    Path output;

    @Mixin
    DbOption db;

    @Override
    public Integer call() throws Exception {
        DbOption.Loaded loaded = db.load(run);
        RunReport report = RunReport.of(loaded.info(), loaded.events());
        if (output == null) {
            Writer w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            write(report, w);
            w.flush();
            return ExitCodes.OK;
        }
        Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // written beside the target under a temporary name, then renamed: never a half-written report
        Path tmp = parent.resolve("." + output.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            write(report, w);
        }
        Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.err.println("wrote " + output);
        return ExitCodes.OK;
    }

    private void write(RunReport r, Writer w) throws java.io.IOException {
        switch (format) {
            case html -> HtmlReport.write(r, w);
            case json -> JsonReport.write(r, w);
            default -> TraceReport.write(r, w);
        }
    }
}
