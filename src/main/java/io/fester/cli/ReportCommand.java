package io.fester.cli;

import io.fester.session.FileErrors;
import io.fester.session.UserError;
import io.fester.report.ReportFile;
import io.fester.report.RunReport;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
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
        RunReport report = db.report(run);
        if (output == null) {
            Writer w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            write(report, w);
            w.flush();
            return ExitCodes.OK;
        }
        try {
            ReportFile.write(report, ReportFile.Format.of(format.name()), output);
        } catch (java.nio.file.FileSystemException e) {
            throw new UserError("cannot write the report to " + output + ": " + FileErrors.reason(e)
                    + " (choose a file in a directory you can write)");
        }
        System.err.println("wrote " + output);
        return ExitCodes.OK;
    }

    private void write(RunReport r, Writer w) throws java.io.IOException {
        ReportFile.write(r, ReportFile.Format.of(format.name()), w);
    }
}
