package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import io.fester.graph.BuildGraph;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.hosts.NoHostsException;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.LiveRun;
import io.fester.timeline.TimelineStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fester run SPEC [TARGET…]}: runs and records a build. */
@Command(name = "run", description = "Run and record a build; progress on stderr, last line of stdout: run: N")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "fester.yaml / .yml / .json, build.ninja / *.ninja, "
            + "or compile_commands.json")
    Path spec;

    @Parameters(index = "1..*", paramLabel = "TARGET", description = "actions (ids or outputs) to build; "
            + "default: everything")
    List<String> targets = new ArrayList<>();

    @Mixin
    BuildOptions build;

    @Option(names = "--link", paramLabel = "CMD", description = "compile_commands.json only: a final link action "
            + "(tag link) that needs every compile, CMD run in the database's directory")
    String link;

    @Mixin
    DbOption db;

    private Terminal term;

    /**
     * The digest of the command line and what else decides a no-op beyond its files ({@link LeanNoop#options}),
     * taken as the JVM started: set by {@link Main} for a command line it was given, so a journaled no-op may leave
     * the proof the next lean no-op checks (ADR 0129). Null: no proof.
     */
    String options;

    /**
     * {@code fester run …} read without picocli (ADR 0069), for the command line a terminal types most: a
     * spec, targets and only these options, each at most once — {@code --db}, {@code --hosts}, {@code -j}/
     * {@code --jobs} (a plain positive number), {@code --link}, {@code --fail-fast}, {@code -B}/{@code --rebuild},
     * {@code --no-cache}, {@code --cache}, as {@code --opt VALUE} or {@code --opt=VALUE}. Anything else
     * (help, another option, a repeated one, {@code --}, an {@code @file}, a value that starts with a dash)
     * returns null and the command goes through picocli as before, which gives its usual answer or error.
     * The options mean exactly what picocli would make of them.
     */
    static RunCommand direct(String[] args) {
        if (args.length < 2 || !args[0].equals("run")) {
            return null;
        }
        RunCommand c = new RunCommand();
        c.build = new BuildOptions();
        c.db = new DbOption();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("@")) {
                return null; // picocli's argument files
            }
            if (!a.startsWith("-")) {
                if (c.spec == null) {
                    c.spec = pathOf(a);
                    if (c.spec == null) {
                        return null;
                    }
                } else {
                    c.targets.add(a);
                }
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            name = switch (name) {
                case "-j" -> "--jobs";
                case "-B" -> "--rebuild";
                default -> name;
            };
            if (!seen.add(name)) {
                return null; // picocli refuses an option given twice
            }
            switch (name) {
                case "--fail-fast", "--rebuild", "--no-cache", "--cache" -> {
                    if (value != null) {
                        return null;
                    }
                    switch (name) {
                        case "--fail-fast" -> c.build.failFast = true;
                        case "--rebuild" -> c.build.rebuild = true;
                        case "--no-cache" -> c.build.noCache = true;
                        default -> c.build.forceCache = true;
                    }
                }
                case "--db", "--hosts", "--jobs", "--link" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            return null;
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                        return null;
                    }
                    switch (name) {
                        case "--db" -> c.db.db = value;
                        case "--link" -> c.link = value;
                        case "--hosts" -> {
                            c.build.hosts = pathOf(value);
                            if (c.build.hosts == null) {
                                return null;
                            }
                        }
                        default -> {
                            if (!value.matches("[1-9][0-9]{0,8}")) {
                                return null;
                            }
                            c.build.jobs = Integer.parseInt(value);
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        return c.spec == null ? null : c;
    }

    private static Path pathOf(String s) {
        try {
            return Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Runs a command {@link #direct} read: its exit code, or what picocli's handlers would have said and returned. */
    int execute() {
        return execute(new java.io.PrintWriter(new java.io.OutputStreamWriter(System.err,
                java.nio.charset.Charset.defaultCharset()), true));
    }

    /** As {@link #execute()}, its errors said on {@code err} (a handed build's: the client's terminal). */
    int execute(java.io.PrintWriter err) {
        try {
            return call();
        } catch (Exception e) {
            return CommandErrors.report(e, err);
        } finally {
            err.flush();
        }
    }

    @Override
    public Integer call() throws Exception {
        term = Terminal.current();
        spec = term.resolve(spec);
        // the stamps are read on the other core while the manifest is; forgotten if the run does not take them
        try (io.fester.uptodate.Stamps.Preload preload = spec.toString().endsWith(".ninja")
                ? io.fester.uptodate.Stamps.preload(spec.toAbsolutePath().normalize().getParent()) : null) {
            return runSpec();
        }
    }

    private Integer runSpec() throws Exception {
        // a run in which nothing runs is journaled when the journal may take it (ADR 0083): the timeline is then
        // opened only if the run has work. Else it opens on the other core while the spec loads (H2 and its ~500
        // classes: the longest part of a run's start after the JVM's own); a spec that does not load closes it
        // again unused. A served run is not journaled: the server keeps the database open, and folds at each run's
        // start anyway
        io.fester.timeline.Journal journal = term.served() ? null : io.fester.timeline.Journal.of(db.path());
        LazyStore store = new LazyStore(db, journal != null && journal.ready());
        BuildGraph graph;
        try {
            graph = term.load(spec, link); // ninja's records are checked by the run (LiveRun), before anything runs
        } catch (Exception | Error e) {
            // the store is closed before the command returns, so nothing touches the database after it (an
            // in-process caller, a test's temporary directory); the spec's error is the one the user is told
            try {
                store.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        // the timeline is waited for only when the run is about to be recorded: the manifest's regeneration
        // check, the selection and the up-to-date check go on while it opens (ADR 0069)
        try (LazyStore closing = store; DemoCluster demo = build.startDemo()) {
            graph = regenerate(graph, store);
            BuildGraph whole = graph; // the proof's paths: every action's, the manifest's regeneration's too
            List<Path> manifest = Specs.manifestFiles(graph);
            graph = Specs.select(graph, targets);
            // the timeline, not opened yet when the run may be journaled, starts opening on another thread as soon
            // as the up-to-date check finds work (the run will need it), not when the check is over
            LiveRun run = build.liveRun(graph, targets, store, "run", demo).journal(journal).onWork(store::openSoon);
            store.stopWaitingWhen(run::cancelled); // Ctrl-C while the timeline opens ends the wait (ADR 0113)
            java.util.concurrent.atomic.AtomicBoolean noticed = new java.util.concurrent.atomic.AtomicBoolean();
            run.onNotice(m -> {
                noticed.set(true); // a no-op that said more than its summary leaves no proof: the lean one would not
                term.err.println("fester: " + TerminalText.clean(m));
            });
            String noopSummary = "fester: build succeeded: " + graph.size() + " up-to-date in 0.00 s";
            java.util.concurrent.atomic.AtomicBoolean proved = new java.util.concurrent.atomic.AtomicBoolean();
            if (journal != null) {
                run.noopProof(proof(journal, graph, whole, manifest, run, noticed, noopSummary, proved));
            }
            Progress progress = new Progress(term.err);
            run.addListener(progress);
            String outcome;
            // the cache (its S3 clients) is closed however the run ends: done, failed, refused, Ctrl-C
            try (Terminal.Release interrupts = term.interrupts(run); io.fester.cache.Cache cache = run.cache()) {
                outcome = run.run();
            } catch (NoHostsException | io.fester.hosts.ssh.WorkspaceMap.RefusedException e) {
                throw new UserError(e.getMessage());
            }
            String summary = progress.summary(outcome, run.runId());
            term.err.println(summary);
            term.out.println("run: " + run.runId());
            term.out.flush();
            if (proved.get() && (noticed.get() || !summary.equals(noopSummary + " (run " + run.runId() + ")"))) {
                // the lean no-op would print only its summary, and this one: a proof for anything else goes, under
                // the lock as it was written, and only if it is still this run's (another's, written since, stands)
                try (io.fester.timeline.Journal.Lock held = journal.lock()) {
                    if (LeanNoop.provenRun(journal.noopProofFile()) == run.runId()) {
                        java.nio.file.Files.deleteIfExists(journal.noopProofFile());
                    }
                }
            }
            return switch (outcome) {
                case "succeeded" -> ExitCodes.OK;
                case "cancelled" -> ExitCodes.INTERRUPTED;
                default -> ExitCodes.FAILED;
            };
        }
    }

    /**
     * What makes a journaled no-op's proof (ADR 0129), or null when this command can leave none: a command line
     * {@link Main} did not read, a compilation database, a rebuild, the demo hosts, a shared cache named (its
     * settings files, AWS's, are read on every run and are not in the proof), a spec other than a Ninja manifest whose files are
     * known. The proof's paths are stat'ed twice: just before the up-to-date check decides ({@link
     * LiveRun#beforeCheck}) and when the run commits; the proof is made only for a run that succeeded without a
     * notice, when both stats agree and neither is within the racy window ({@link LeanNoop#proof}), so it certifies
     * the files the verdict saw; {@code proved} says one was made.
     */
    private io.fester.timeline.Journal.NoopProof proof(io.fester.timeline.Journal journal, BuildGraph graph,
            BuildGraph whole, List<Path> manifest, LiveRun run, java.util.concurrent.atomic.AtomicBoolean noticed,
            String summary, java.util.concurrent.atomic.AtomicBoolean proved) {
        if (options == null || link != null || build.rebuild || build.demo() || manifest.isEmpty()
                || !spec.getFileName().toString().endsWith(".ninja") || build.sharedCacheNamed) {
            return null;
        }
        Seen seen = new Seen();
        run.beforeCheck(() -> {
            try {
                seen.paths = proofPaths(whole, manifest, run);
                seen.atMs = System.currentTimeMillis();
                seen.stats = LeanNoop.stats(seen.paths);
            } catch (java.io.IOException | RuntimeException e) { // not stat'ed: no proof
                seen.stats = null;
            }
        });
        return (id, at, length, crc, db, outcome, state) -> {
            if (!"succeeded".equals(outcome) || noticed.get() || seen.stats == null) {
                return null;
            }
            Runnable hook = beforeProof;
            if (hook != null) {
                hook.run();
            }
            List<Path> paths = proofPaths(whole, manifest, run);
            if (!paths.equals(seen.paths)) {
                return null;
            }
            String text = LeanNoop.proof(journal.base(), db, Path.of(graph.spec()).toAbsolutePath().normalize()
                    .toString(), id, at, length, crc, state, options, summary, io.fester.timeline.Journal.hostName(),
                    paths, seen.stats, seen.atMs);
            proved.set(text != null);
            return text;
        };
    }

    /** The proof's paths as the up-to-date check is about to consult them, and their stats then. */
    private static final class Seen {
        volatile List<Path> paths;
        volatile List<String> stats;
        volatile long atMs;
    }

    /**
     * Run between the up-to-date check's verdict and the proof's second stats at the run's commit: a test changes
     * a file there (ADR 0129: a change made during the proven no-op leaves no proof). Null otherwise.
     */
    static volatile Runnable beforeProof;

    /** Every path the proof names: the manifest's files, every path the checks consult, the hosts, Fester's jars. */
    private List<Path> proofPaths(BuildGraph whole, List<Path> manifest, LiveRun run) {
        List<Path> paths = new ArrayList<>();
        for (Path f : manifest) {
            paths.add(f.toAbsolutePath());
        }
        paths.addAll(run.checkedPaths(whole));
        if (build.hosts != null) {
            paths.add(term.resolve(build.hosts).toAbsolutePath());
        }
        paths.add(Path.of("/etc/hosts")); // the host name the run's row records may come from it
        for (String c : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!c.isEmpty()) {
                paths.add(Path.of(c).toAbsolutePath()); // Fester's own build
            }
        }
        return paths;
    }

    /** As ninja does before every build: the manifest's regeneration first, when it is out of date (ADR 0031). */
    private BuildGraph regenerate(BuildGraph graph, java.util.function.Supplier<TimelineStore> store) throws Exception {
        return io.fester.session.ManifestRegeneration.regenerate(graph, spec, link, store,
                m -> term.err.println("fester: " + TerminalText.clean(m)), run -> {
                    Progress progress = new Progress(term.err);
                    run.addListener(progress);
                    String outcome;
                    try (Terminal.Release interrupts = term.interrupts(run)) {
                        outcome = run.run();
                    }
                    term.err.println(progress.summary(outcome, run.runId()));
                    return outcome;
                });
    }

    /**
     * The run's timeline: opening on its own thread from the start, or (when the run may be journaled) from when
     * the up-to-date check finds work ({@link #openSoon}), or on the first {@link #get}; {@link #close} closes it
     * if it was opened, whether the run used it or not (a check's error, Ctrl-C). An opening's error is a user
     * error naming the database, thrown by {@code get}; one that failed unused is not the command's error. No
     * lock is held while an opening is waited for (ADR 0113): {@code get} gives up when the run is cancelled
     * ({@link #stopWaitingWhen}: Ctrl-C); {@code close} waits for an opening under way to end, and closes what it
     * opened, so that nothing touches the database after the command.
     */
    static final class LazyStore implements java.util.function.Supplier<TimelineStore>, AutoCloseable {
        private final java.util.function.Function<java.util.function.BooleanSupplier, TimelineStore> open;
        private final String name;
        private java.util.concurrent.CompletableFuture<TimelineStore> opening; // guarded by this
        // written under this; read without it too, by the opening's tries in a hand-over of the file's lock, which
        // give up once it is closed
        private volatile boolean closed;
        private volatile java.util.function.BooleanSupplier stop = () -> false;

        LazyStore(DbOption db, boolean lazily) {
            this(db::open, db.path(), lazily);
        }

        /**
         * {@code open} opens the timeline (on a thread of its own), given a flag that says when to stop trying in a
         * hand-over of the file's lock (Ctrl-C, or closed); {@code name} names it in messages.
         */
        LazyStore(java.util.function.Function<java.util.function.BooleanSupplier, TimelineStore> open, String name,
                boolean lazily) {
            this.open = open;
            this.name = name;
            if (!lazily) {
                openSoon();
            }
        }

        /** {@link #get} stops waiting for the opening, the run not recorded, once this says so (the run cancelled). */
        void stopWaitingWhen(java.util.function.BooleanSupplier cancelled) {
            stop = cancelled;
        }

        /** Starts opening the timeline on its own thread, unless it is opening or open already, or closed. */
        synchronized void openSoon() {
            if (opening == null && !closed) {
                // a flag, not an interrupt: an opening that has the file finishes its fold of the journal
                java.util.function.BooleanSupplier cancelled = () -> closed || stop.getAsBoolean();
                opening = java.util.concurrent.CompletableFuture.supplyAsync(() -> open.apply(cancelled), r -> {
                    Thread t = new Thread(r, "fester-open-timeline");
                    t.setDaemon(true);
                    t.start();
                });
            }
        }

        @Override
        public TimelineStore get() {
            java.util.concurrent.CompletableFuture<TimelineStore> o;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the timeline " + name + " was closed");
                }
                openSoon();
                o = opening;
            }
            while (true) {
                try {
                    return o.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (stop.getAsBoolean()) {
                        throw new io.fester.session.RunCancelled("cancelled while the timeline database " + name
                                + " was opening: this run is not recorded");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new io.fester.session.RunCancelled("interrupted while the timeline database " + name
                            + " was opening: this run is not recorded");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException x) { // DbOption.open's UserError naming the database
                        throw x;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        }

        /**
         * Closes the timeline if it opened, after an opening still under way has ended (unlike {@code get}, whatever
         * a Ctrl-C: an opening folds the journal, which nothing may be left doing after the command). An opening
         * that failed is not the command's error; a failure to close is, as it was.
         */
        @Override
        public void close() {
            java.util.concurrent.CompletableFuture<TimelineStore> o;
            synchronized (this) {
                if (closed || opening == null) {
                    closed = true;
                    return;
                }
                closed = true; // Ctrl-C or an opening left unused: no more tries of a file being handed over
                o = opening;
            }
            TimelineStore s;
            try {
                s = o.join(); // no lock held: a get or an openSoon meanwhile sees it closed
            } catch (java.util.concurrent.CompletionException e) {
                return;
            }
            s.close();
        }
    }

    static SpecException at(Path spec, String message) {
        return new SpecException(SourcePos.ofFile(spec.toString()), message);
    }
}
