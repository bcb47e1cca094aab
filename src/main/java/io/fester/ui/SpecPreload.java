package io.fester.ui;

import io.fester.graph.BuildGraph;
import io.fester.graph.SpecException;
import io.fester.session.Specs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The spec a window opens with, loaded on a thread of its own from the moment the window is asked for (ADR 0087):
 * while JavaFX builds the window (its CSS, the themes) on one core, the spec loads on the other, and the run's
 * worker takes the loaded graph instead of loading the file again. {@code fester cockpit SPEC} checks the spec
 * before a window opens (a bad one is told as {@code fester run} tells it, exit 2): that check is this load, so
 * the spec is read once, not twice. The graph is taken only while the file is as it was when the load started
 * (size, time, inode); otherwise the file is loaded again.
 */
final class SpecPreload {
    /** {@code planned}: what the window shows and the run builds ({@link Specs#select} of the graph, once). */
    private record Pending(Path file, Object attributes, CompletableFuture<BuildGraph> graph,
            CompletableFuture<BuildGraph> planned) {}

    /** A spec's every action, and what of it the run builds unless the manifest is regenerated (a manifest's defaults). */
    record Loaded(BuildGraph graph, BuildGraph planned) {}

    /** At most one: the start spec. */
    private static Pending pending;

    private SpecPreload() {}

    /** Starts loading a spec on a thread of its own (at the caller's priority), unless it is being loaded already. */
    static synchronized void start(Path spec) {
        Path file = spec.toAbsolutePath().normalize();
        Object attributes = attributes(file);
        if (pending != null && pending.file.equals(file) && pending.attributes.equals(attributes)) {
            return;
        }
        CompletableFuture<BuildGraph> graph = new CompletableFuture<>();
        CompletableFuture<BuildGraph> planned = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                graph.complete(Specs.load(file, null)); // every action, as the run's worker loads it
            } catch (Throwable e) {
                graph.completeExceptionally(e);
                planned.completeExceptionally(e);
                return;
            }
            // what the window shows and the run builds, selected once here: for a Ninja manifest select makes a new
            // graph (its defaults, the regeneration step left out); the check, the window and the run take this one
            try {
                planned.complete(Specs.select(graph.join(), List.of()));
            } catch (Throwable e) {
                planned.completeExceptionally(e);
                return;
            }
            // then its groups, while the window is still being built: the view, when the same graph goes on show, only
            // chooses what is open for its size (ADR 0094)
            try {
                GraphGroups.of(planned.join());
            } catch (Throwable e) {
                // the view groups it again itself, and meets the same problem where it is told; nothing (not even an
                // Error such as OutOfMemoryError) leaves this thread to print a stack trace on the user's terminal
            }
        }, "fester-cockpit-spec");
        t.setDaemon(true);
        t.start();
        pending = new Pending(file, attributes, graph, planned);
    }

    /**
     * Loads a spec: the graph {@link #start} loaded, and the one it selected, when it is of this file as it is now
     * (waiting for them), else from the file. Either way as {@link Specs#load(Path, String)} and then
     * {@link Specs#select} with no targets would, the same errors included.
     */
    static Loaded load(Path spec) throws SpecException, IOException {
        Path file = spec.toAbsolutePath().normalize();
        Pending p;
        synchronized (SpecPreload.class) {
            p = pending;
            if (p != null && p.file.equals(file)) {
                pending = null; // taken once: the next open of the same file reads it again
            } else {
                p = null;
            }
        }
        if (p == null || !p.attributes.equals(attributes(file))) {
            BuildGraph graph = Specs.load(file, null);
            return new Loaded(graph, Specs.select(graph, List.of()));
        }
        try {
            return new Loaded(p.graph.join(), p.planned.join());
        } catch (CompletionException e) {
            Throwable why = e.getCause();
            if (why instanceof SpecException s) {
                throw s;
            }
            if (why instanceof IOException io) {
                throw io;
            }
            if (why instanceof RuntimeException r) {
                throw r;
            }
            if (why instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Why the spec cannot be built (file:line:column and what to do, as {@code fester run} says it), or null; the
     * graph loaded for the check is kept for the window's first run.
     */
    static String problem(Path spec) {
        start(spec);
        CompletableFuture<BuildGraph> planned;
        synchronized (SpecPreload.class) {
            planned = pending.planned;
        }
        try {
            planned.join(); // what the run builds (selected on the spec's thread): a target it names must exist
            return null;
        } catch (CompletionException e) {
            synchronized (SpecPreload.class) {
                pending = null;
            }
            if (e.getCause() instanceof SpecException || e.getCause() instanceof io.fester.session.UserError) {
                return e.getCause().getMessage();
            }
            if (e.getCause() instanceof IOException io) {
                return "cannot read " + spec + ": " + io.getMessage();
            }
            throw e;
        }
    }

    private static Object attributes(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return "none";
        }
    }
}
