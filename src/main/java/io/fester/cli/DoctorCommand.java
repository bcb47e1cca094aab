package io.fester.cli;

import io.fester.hosts.DoctorCheck;
import io.fester.hosts.HostsFile;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.Doctor;
import io.fester.session.UserError;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fester doctor}: checks the hosts, the shared cache, the timeline database and the display. */
@Command(name = "doctor", description = "Check every declared host (reachable, host key trusted, agent starts, "
        + "toolchain, free disk, slots), the shared cache, the timeline database and the display; one line per "
        + "check, with what to do when it fails. Exit 0 when all pass, 1 when one fails, 2 for bad input")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--hosts", paramLabel = "FILE", description = "hosts file, or 'demo' for the embedded demo "
            + "cluster; default: one local host")
    Path hosts;

    @Option(names = "--cc", paramLabel = "COMPILER", description = "the compiler to look for on every host; "
            + "default: $CC, else cc")
    String cc;

    @Option(names = "--no-display", description = "skip the display check (a machine that only builds from the "
            + "terminal, without the cockpit)")
    boolean noDisplay;

    @Mixin
    DbOption db;

    @Mixin
    RemoteCacheOptions remoteCache = new RemoteCacheOptions();

    @Override
    public Integer call() throws Exception {
        Terminal term = Terminal.current();
        DemoCluster demo = null;
        try {
            HostsFile file;
            if (hosts != null && hosts.toString().equals("demo")) {
                demo = DemoCluster.start(DemoCluster.defaultDataDir());
                file = demo.hostsFile();
            } else if (hosts != null) {
                Path p = term.resolve(hosts);
                if (!Files.isRegularFile(p)) {
                    throw new UserError("--hosts " + p + ": no such hosts file (name a hosts.yaml, or 'demo' for the "
                            + "embedded demo cluster)");
                }
                file = HostsFile.load(p); // a malformed file: file:line:column, exit 2
            } else {
                file = HostsFile.local(Runtime.getRuntime().availableProcessors());
            }
            remoteCache.check(file);
            String compiler = cc != null ? cc : io.fester.hosts.Toolchain.compiler(System.getenv());
            if (compiler.isBlank() || compiler.startsWith("-")) {
                throw new UserError("--cc names a compiler, like gcc or clang");
            }
            Doctor doctor = new Doctor(file, remoteCache.config(), db.path(), compiler, System.getenv(), !noDisplay,
                    Path.of(System.getProperty("user.home")), term.resolve(Path.of(".")).toAbsolutePath().normalize(), Doctor.TIMEOUT);
            PrintStream out = term.out;
            List<DoctorCheck> all = doctor.run(c -> {
                // subject and fix each cut on their own: a long subject never hides what to do
                out.println(TerminalText.message(new DoctorCheck(c.ok(), oneLine(c.subject()), null).line())
                        + (c.ok() || c.fix() == null ? "" : " — " + TerminalText.message(oneLine(c.fix()))));
                out.flush();
            });
            // journal files set aside beside the database (runs not folded): a warning, not a check that fails
            for (String w : setAside(db.path())) {
                out.println(TerminalText.message(w));
            }
            // how this machine hashes (stamps, keys, blobs): not a check that fails, the JDK's is correct too
            out.println(TerminalText.message(DoctorCheck.pass(io.fester.uptodate.Sha256.describe()).line()));
            long failed = all.stream().filter(c -> !c.ok()).count();
            out.println(failed == 0 ? "all " + all.size() + " checks passed"
                    : failed + " of " + all.size() + " checks failed");
            return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        } finally {
            if (demo != null) {
                demo.close();
            }
        }
    }

    /**
     * Warnings for the timeline's journal files set aside beside the database ({@code BASE.journal.unread-*},
     * {@code .conflict-*}, {@code .other-version-*}, {@code .other-database-*}): runs that are not in the timeline.
     */
    static List<String> setAside(String db) {
        String b = db.endsWith(".mv.db") ? db.substring(0, db.length() - 6) : db;
        Path base = Path.of(b).toAbsolutePath().normalize();
        String prefix = base.getFileName() + ".journal.";
        List<String> out = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(base.getParent())) {
            files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(prefix) && n.substring(prefix.length()).matches(
                        "(unread|conflict|other-version|other-database)-[0-9]+");
            }).sorted().forEach(f -> out.add("warn timeline: runs were set aside, not folded into the timeline, in "
                    + f + " (the message that set them aside said why; see the user guide's journal section)"));
        } catch (java.io.IOException | RuntimeException e) {
            // no directory yet: nothing set aside
        }
        return out;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\n\\s*", "; ");
    }
}
