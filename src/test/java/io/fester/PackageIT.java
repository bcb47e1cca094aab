package io.fester;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package, installed as a user would (issue 16): built by {@code jlink/build-package.sh} from the
 * jar {@code package} made (or taken as {@code ./mvnw -Ppackage package} left it), installed with
 * {@code dpkg -i}, then the installed {@code fester} on the PATH: {@code --version}, {@code help run}, a run
 * of the bundled sample and its no-op rerun, the launch itself (the client jar first on the class path, the
 * archive accepted, a build handed to a running {@code fester serve} that never opens {@code fester.jar}: the
 * JVM's class-load log, nothing timed), the cockpit under Xvfb running the sample, the completion, man
 * page, desktop entry and icon where Debian looks for them; finally {@code dpkg -r}, after which no file of
 * the package (nor the CDS archive its postinst made) is left. An integration test ({@code verify}, after the
 * jar): CI runs as root, as {@code dpkg -i} needs.
 */
class PackageIT {
    private static final Path REPO = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void installRunOpenTheCockpitAndRemoveCleanly() throws Exception {
        Path deb = deb();
        if (installed()) {
            run(120, "dpkg", "-r", "fester"); // left by an interrupted earlier run of this test
        }
        Result install = run(300, "dpkg", "-i", deb.toString());
        List<String> files = new ArrayList<>();
        try {
            assertEquals(0, install.code, install.out);
            files.addAll(run(30, "dpkg", "-L", "fester").out.lines().toList());
            assertTrue(files.contains("/usr/bin/fester"), files.toString());
            assertTrue(Files.isRegularFile(Path.of("/opt/fester/lib/app/fester.jsa")), "postinst made the CDS archive");

            Result version = run(60, "fester", "--version");
            assertEquals(0, version.code, version.out);
            assertTrue(version.out.startsWith("fester "), version.out);
            Result help = run(60, "fester", "help", "run");
            assertTrue(help.out.contains("Usage: fester run"), help.out);

            Path sample = copySample();
            String db = dir.resolve("db/timeline").toString();
            Result build = run(300, "fester", "run", sample.resolve("fester.yaml").toString(), "--db", db, "-j", "2");
            assertEquals(0, build.code, build.out);
            Result noop = run(120, "fester", "run", sample.resolve("fester.yaml").toString(), "--db", db);
            assertEquals(0, noop.code, noop.out);
            assertTrue(noop.out.contains("17 up-to-date"), noop.out);
            launchAsTheSourceTreesLauncher(sample, db);

            for (String f : List.of("/usr/share/man/man1/fester.1.gz", "/usr/share/man/man1/fester-run.1.gz",
                    "/usr/share/bash-completion/completions/fester", "/usr/share/zsh/vendor-completions/_fester",
                    "/usr/share/applications/fester.desktop", "/usr/share/icons/hicolor/scalable/apps/fester.svg")) {
                assertTrue(files.contains(f) && Files.isRegularFile(Path.of(f)), f + " installed by the package");
            }
            Result complete = run(30, "bash", "-c", "source /usr/share/bash-completion/completions/fester && "
                    + "COMP_WORDS=(fester ru) COMP_CWORD=1 && _complete_fester && echo \"${COMPREPLY[@]}\"");
            assertTrue(complete.out.contains("run") && complete.out.contains("runs"), complete.out);
            String desktop = Files.readString(Path.of("/usr/share/applications/fester.desktop"));
            assertTrue(desktop.contains("Exec=/opt/fester/bin/fester cockpit") && desktop.contains("Icon=fester"), desktop);

            cockpitUnderXvfb(sample);
        } finally {
            Result remove = run(300, "dpkg", "-r", "fester");
            assertEquals(0, remove.code, remove.out);
        }
        Result status = run(30, "dpkg-query", "-W", "-f=${Status}", "fester");
        assertTrue(status.code != 0 || status.out.contains("not-installed"),
                "dpkg knows nothing more of it (no config-files state left): " + status.out);
        List<String> left = files.stream().map(Path::of).filter(p -> Files.exists(p) && !Files.isDirectory(p))
                .map(Path::toString).toList();
        assertEquals(List.of(), left, "dpkg -r leaves no file of the package");
        assertFalse(Files.exists(Path.of("/opt/fester")), "nothing left in /opt/fester (the CDS archive neither)");
    }

    /**
     * The installed launcher starts Fester as {@code bin/fester} does (ADRs 0065, 0071): {@code fester --version}
     * takes {@code Main} from the archive postinst made (so the archive fits the launcher's class path: client
     * jar first, absolute paths); a {@code fester run} handed to a {@code fester serve} started from the installed
     * command starts no JVM at all (the Perl client, ADR 0085), and with {@code FESTER_SERVE=java} loads {@code Main}
     * from {@code fester-client.jar} and not one class from {@code fester.jar}. The JVMs' class-load logs
     * ({@code JAVA_TOOL_OPTIONS}, one file per process) say where each class came from.
     */
    private void launchAsTheSourceTreesLauncher(Path sample, String db) throws Exception {
        Path logs = Files.createDirectories(dir.resolve("class-load"));
        Path runtime = Files.createDirectories(dir.resolve("xdg"));
        Files.setPosixFilePermissions(runtime, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        // the same value in the server and the client (a handed build needs the same environment): %p, the pid
        String logOption = "-Xlog:class+load=info:file=" + logs + "/%p.log";

        ProcessBuilder version = new ProcessBuilder("fester", "--version");
        version.environment().put("JAVA_TOOL_OPTIONS", logOption);
        Result v = run(60, version);
        assertEquals(0, v.code, v.out);
        String versionLog = onlyLog(logs);
        assertTrue(versionLog.contains("io.fester.cli.Main source: shared objects file (top)"),
                "fester --version maps the archive made at install time: " + classLines(versionLog, "io.fester.cli.Main "));

        Path serveLog = dir.resolve("serve.log");
        ProcessBuilder serveBuilder = new ProcessBuilder("fester", "serve", "--db", db)
                .redirectErrorStream(true).redirectOutput(serveLog.toFile());
        serveBuilder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        serveBuilder.environment().put("JAVA_TOOL_OPTIONS", logOption);
        Process serve = serveBuilder.start();
        try {
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                    !Files.readString(serveLog).contains("fester serve: serving"); ) {
                assertTrue(serve.isAlive() && System.nanoTime() < end, "fester serve starts: " + Files.readString(serveLog));
                Thread.sleep(200);
            }
            // the launcher's Perl client (ADR 0085): the package's fester-handoff.pl hands it over, no JVM starts
            ProcessBuilder perl = new ProcessBuilder("fester", "run", sample.resolve("fester.yaml").toString(), "--db", db);
            perl.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            perl.environment().put("JAVA_TOOL_OPTIONS", logOption);
            int jvms = countLogs(logs);
            Result byPerl = run(120, perl);
            assertEquals(0, byPerl.code, byPerl.out);
            assertTrue(byPerl.out.contains("17 up-to-date") && !byPerl.out.contains("not handed"), byPerl.out);
            assertEquals(jvms, countLogs(logs), "a build handed by the Perl client starts no JVM");
            assertTrue(Files.isRegularFile(Path.of("/opt/fester/lib/app/fester-handoff.pl")), "the client is installed");

            // FESTER_SERVE=java: the JVM's own client, as when perl is missing
            ProcessBuilder client = new ProcessBuilder("fester", "run", sample.resolve("fester.yaml").toString(), "--db", db);
            client.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            client.environment().put("JAVA_TOOL_OPTIONS", logOption);
            client.environment().put("FESTER_SERVE", "java");
            Result handed = run(120, client);
            assertEquals(0, handed.code, handed.out);
            assertTrue(handed.out.contains("17 up-to-date") && !handed.out.contains("not handed"), handed.out);
            Path clientLog = logs.resolve(handed.pid + ".log");
            String classes = Files.readString(clientLog);
            assertTrue(classes.contains("io.fester.cli.Main source: file:/opt/fester/lib/app/fester-client.jar"),
                    "the client jar comes first: " + classLines(classes, "io.fester.cli.Main "));
            assertTrue(classes.contains("io.fester.cli.ServeClient source: file:/opt/fester/lib/app/fester-client.jar"),
                    classLines(classes, "io.fester.cli.ServeClient "));
            assertEquals("", classLines(classes, "/opt/fester/lib/app/fester.jar"), "a handed build never opens fester.jar");
        } finally {
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    private static int countLogs(Path logs) throws IOException {
        try (var s = Files.list(logs)) {
            return (int) s.count();
        }
    }

    private static String onlyLog(Path logs) throws IOException {
        try (var s = Files.list(logs)) {
            List<Path> all = s.toList();
            assertEquals(1, all.size(), all.toString());
            return Files.readString(all.get(0));
        }
    }

    private static String classLines(String log, String containing) {
        return String.join("\n", log.lines().filter(l -> l.contains(containing)).toList());
    }

    /** The cockpit opens on a screen (Xvfb) and runs the sample: the run shows up in its timeline. */
    private void cockpitUnderXvfb(Path sample) throws Exception {
        String db = dir.resolve("cockpit-db/timeline").toString();
        Process cockpit = new ProcessBuilder("xvfb-run", "-a", "fester", "cockpit",
                sample.resolve("fester.yaml").toString(), "--db", db)
                .redirectErrorStream(true).redirectOutput(dir.resolve("cockpit.log").toFile()).start();
        try {
            boolean ran = false;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); System.nanoTime() < end && !ran; ) {
                assertTrue(cockpit.isAlive(), "the cockpit keeps its window open: "
                        + Files.readString(dir.resolve("cockpit.log")));
                Thread.sleep(1000);
                Result runs = run(60, "fester", "runs", "--db", db);
                ran = runs.code == 0 && runs.out.contains("succeeded");
            }
            assertTrue(ran, "the cockpit ran the sample: " + Files.readString(dir.resolve("cockpit.log")));
        } finally {
            cockpit.descendants().forEach(ProcessHandle::destroy);
            cockpit.destroy();
            if (!cockpit.waitFor(30, TimeUnit.SECONDS)) {
                cockpit.descendants().forEach(ProcessHandle::destroyForcibly);
                cockpit.destroyForcibly();
            }
        }
    }

    /** The package {@code -Ppackage} made, if newer than the jar; else one built now (gzip: quicker than xz). */
    private static Path deb() throws Exception {
        Path jar = REPO.resolve("target/fester.jar");
        assertTrue(Files.isRegularFile(jar), "the jar is made in package, before this test");
        Path made = newest(REPO.resolve("target/package"));
        if (made != null && Files.getLastModifiedTime(made).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            return made;
        }
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("jlink/build-package.sh").toString(), "--type", "deb");
        pb.environment().put("FESTER_DEB_COMPRESSION", "gzip");
        pb.environment().put("FESTER_DEB_LEVEL", "1");
        pb.environment().put("FESTER_IMAGE_CDS", "no"); // the image's own archive: not used here
        Result built = run(900, pb);
        assertEquals(0, built.code, built.out);
        made = newest(REPO.resolve("target/package"));
        assertTrue(made != null, built.out);
        return made;
    }

    private static Path newest(Path packages) throws IOException {
        if (!Files.isDirectory(packages)) {
            return null;
        }
        try (var s = Files.list(packages)) {
            return s.filter(p -> p.getFileName().toString().matches("fester_.*\\.deb")).findFirst().orElse(null);
        }
    }

    private static boolean installed() throws Exception {
        Result r = run(30, "dpkg-query", "-W", "-f=${Status}", "fester");
        return r.code == 0 && r.out.contains("install ok installed");
    }

    private Path copySample() throws IOException {
        Path to = dir.resolve("c-demo");
        Path from = REPO.resolve("samples/c-demo");
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith("build")) {
                    continue;
                }
                Path t = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }

    private record Result(int code, String out, long pid) {}

    private static Result run(int timeoutSeconds, String... cmd) throws Exception {
        return run(timeoutSeconds, new ProcessBuilder(cmd));
    }

    private static Result run(int timeoutSeconds, ProcessBuilder pb) throws Exception {
        Path log = Files.createTempFile("fester-package-it", ".log");
        try {
            Map<String, String> env = pb.environment();
            env.put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", pb.command()) + " did not end in " + timeoutSeconds + " s: "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), p.pid());
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
