package io.fester.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The work a class-data-sharing archive is made from ({@code java -XX:ArchiveClassesAtExit=fester.jsa -cp
 * fester.jar io.fester.cli.CdsTraining DIR}): in one JVM, what a terminal user runs most — a small Ninja
 * build (a first run, then the no-op run of the same tree, then the tree cleaned and rebuilt from the local
 * cache, then the lean no-op of ADR 0129), a YAML spec's run, and {@code runs}. Needs only
 * {@code sh} and {@code cp}, no compiler, so it runs wherever Fester is installed. The classes these load
 * are archived; {@code fester} started with {@code -XX:SharedArchiveFile} maps them instead of loading them.
 * Set {@code FESTER_CACHE_DIR} to a directory of DIR so the training leaves no cache entries behind.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CdsTraining DIR (an empty scratch directory)");
            System.exit(ExitCodes.USAGE);
        }
        System.exit(train(Path.of(args[0])));
    }

    /** Runs the training in {@code dir}; returns the first nonzero exit code, or 0. */
    static int train(Path dir) throws IOException {
        Path ninja = Files.createDirectories(dir.resolve("ninja"));
        Files.writeString(ninja.resolve("a.txt"), "a\n", StandardCharsets.UTF_8);
        Files.writeString(ninja.resolve("b.txt"), "b\n", StandardCharsets.UTF_8);
        Files.writeString(ninja.resolve("build.ninja"), """
                rule copy
                  command = cp $in $out && printf '%s: %s\\n' $out $in > $out.d
                  depfile = $out.d
                  deps = gcc
                  description = COPY $out
                rule cat
                  command = cat $in > $out
                build a.out: copy a.txt
                build b.out: copy b.txt
                build all.out: cat a.out b.out
                default all.out
                """, StandardCharsets.UTF_8);
        Path yaml = Files.createDirectories(dir.resolve("yaml"));
        Files.writeString(yaml.resolve("fester.yaml"), """
                name: training
                actions:
                  - id: one
                    run: echo one > one.txt
                    outputs: [one.txt]
                  - id: two
                    run: cat one.txt > two.txt
                    inputs: [one.txt]
                    outputs: [two.txt]
                """, StandardCharsets.UTF_8);
        String db = dir.resolve("db").toString();
        java.io.PrintStream out = System.out;
        java.io.PrintStream err = System.err;
        try (java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream())) {
            System.setOut(quiet);
            System.setErr(quiet);
            String spec = ninja.resolve("build.ninja").toString();
            int[] codes = {
                Main.run("run", spec, "--db", db, "-j", "2"),
                Main.run("run", spec, "--db", db),
                hits(ninja, spec, db, err),
                lean(ninja, spec, db, err),
                Main.run("run", yaml.resolve("fester.yaml").toString(), "--db", db, "-j", "2"),
                handed(dir, spec, db, err),
                Main.run("runs", "--db", db),
                Main.run("--version"),
            };
            for (int c : codes) {
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /**
     * A cleaned tree rebuilt from the local cache (ADR 0096): the outputs removed, the run restores them from
     * the results the first run stored, so the archive holds the hit path's classes too (the results' parser,
     * the restore, the transfers' events), not only the miss path's. The cache is the one {@code
     * FESTER_CACHE_DIR} names (the launcher and the package point it into the scratch directory); with the
     * cache off ({@code FESTER_CACHE=off}) it is a plain rebuild.
     */
    static int hits(Path ninja, String spec, String db, java.io.PrintStream err) throws IOException {
        for (String out : new String[] {"a.out", "b.out", "all.out", "a.out.d", "b.out.d"}) {
            Files.deleteIfExists(ninja.resolve(out));
        }
        int code = Main.run("run", spec, "--db", db, "-j", "2");
        if (code != 0 || io.fester.cache.Cache.disabledByEnvironment()) {
            return code; // with the cache off: a plain rebuild, as said above
        }
        // the run's lookups must have hit, or the archive silently leaves the hit path's classes out
        int lookups = 0;
        int hit = 0;
        try (io.fester.timeline.TimelineStore store = io.fester.timeline.TimelineStore.open(db)) {
            List<io.fester.timeline.RunInfo> runs = store.runs();
            io.fester.timeline.RunInfo last = runs.stream()
                    .max(java.util.Comparator.comparingLong(io.fester.timeline.RunInfo::id)).orElseThrow();
            for (io.fester.timeline.Recorded r : store.events(last.id())) {
                if (r.event() instanceof io.fester.timeline.CacheLookup l) {
                    lookups++;
                    hit += l.hit() ? 1 : 0;
                }
            }
        } catch (io.fester.timeline.StoreException e) {
            err.println("fester: CDS training: cannot read the rebuild's run: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        if (lookups == 0 || hit < lookups) {
            err.println("fester: CDS training: the cleaned tree's rebuild hit the cache in " + hit + " of " + lookups
                    + " lookups: the archive would leave the hit path's classes out");
            return ExitCodes.FAILED;
        }
        return 0;
    }

    /**
     * The lean no-op (ADR 0129): the tree's files dated back beyond the racy window (a proof names no file that
     * could still change unseen), a full no-op that hashes them again at those times, one that leaves its proof,
     * then the same command, which should be recorded as the same as that run. When it is not (no proof was made:
     * a jar or {@code /etc/hosts} modified within the racy second, a clock stepped, a notice), it tries once more
     * after the racy second, then warns and goes on: an archive without the lean path's few classes is better than
     * none, and a training that fails is made again at every start.
     */
    static int lean(Path ninja, String spec, String db, java.io.PrintStream err) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(LeanNoop.RACY_NS / 1_000_000 + 100); // past the racy second of what just changed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ExitCodes.INTERRUPTED;
                }
            }
            int before = shortRecords(db);
            java.nio.file.attribute.FileTime past = java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() - 10_000);
            for (int i = 0; i < 2; i++) {
                // the second time, what the first run wrote (the stamps it hashed again, the manifest's graph
                // cache): the files it hashed keep the time they were hashed at
                try (java.util.stream.Stream<Path> files = Files.list(ninja)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Files.setLastModifiedTime(f, past);
                    }
                }
                // the stamps newer than Ninja's records, or the run takes those for records it has not seen yet
                // and writes the stamps again (NinjaAdoption)
                Files.setLastModifiedTime(ninja.resolve(io.fester.uptodate.Stamps.FILE),
                        java.nio.file.attribute.FileTime.fromMillis(past.toMillis() + 1_000));
                int code = Main.run("run", spec, "--db", db);
                if (code != 0) {
                    return code;
                }
            }
            int code = Main.run("run", spec, "--db", db);
            if (code != 0 || shortRecords(db) > before) {
                return code;
            }
        }
        err.println("fester: CDS training: warning: the no-op after a proven one was not recorded as the same as it"
                + " (the lean no-op, ADR 0129) after two tries: the archive leaves its few classes out, and such"
                + " no-ops start a little slower");
        return 0;
    }

    /** How many short records ({@code same} lines) the journal of {@code db} holds. */
    private static int shortRecords(String db) throws IOException {
        Path journal = io.fester.timeline.Journal.of(db).file();
        if (!Files.exists(journal)) {
            return 0;
        }
        int n = 0;
        for (String l : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            if (l.startsWith("same\t")) {
                n++;
            }
        }
        return n;
    }

    /**
     * The no-op handed to a server of this process (ADR 0071), so that the archive holds what a handed build
     * loads on both sides: the client's socket, signal and stream classes, and the server's. Its socket lives in
     * DIR, or in a directory of its own under the temporary directory when DIR's path is too long for a socket's.
     * A hand-off that fails fails the training (ADR 0085): an archive made without it would silently leave the
     * handed path's classes out. Says why on {@code err}.
     */
    static int handed(Path dir, String spec, String db, java.io.PrintStream err) {
        Path sockets = dir.resolve("run");
        Path own = null;
        try {
            if (sockets.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length
                    + "/serve-0123456789abcdef.sock".length() > 107) {
                own = Files.createTempDirectory("fester-cds");
                sockets = own.resolve("run");
            }
            Server server;
            try {
                server = Server.start(db, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()),
                        Server.serveHost(), sockets);
            } catch (IOException | io.fester.timeline.StoreException | RuntimeException e) {
                // no server can listen here (no private socket directory for this uid, no Unix sockets in a
                // sandbox): nothing here can be handed to one either, so the archive is made without that part
                err.println("fester: CDS training: no server can listen here (" + e.getMessage()
                        + "): the archive leaves the handed path's classes out");
                return 0;
            }
            try (server) {
                java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
                Integer code = ServeClient.handOff(new String[] {"run", spec, "--db", db}, System.getenv(), sockets,
                        java.io.OutputStream.nullOutputStream(), said);
                if (code == null) {
                    err.println("fester: CDS training: the no-op was not handed to the training's own server "
                            + "(socket " + sockets + ")");
                    return ExitCodes.FAILED;
                }
                if (code != 0) {
                    err.println("fester: CDS training: the handed no-op ended with " + code + ": "
                            + said.toString(StandardCharsets.UTF_8).strip());
                }
                return code;
            }
        } catch (IOException | RuntimeException e) {
            err.println("fester: CDS training: could not hand a build to a server of its own: " + e);
            return ExitCodes.FAILED;
        } finally {
            if (own != null) {
                try (var walk = Files.walk(own)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory left behind
                }
            }
        }
    }
}
