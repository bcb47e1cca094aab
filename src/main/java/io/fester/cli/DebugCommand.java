package io.fester.cli;

import io.fester.session.UserError;
import io.fester.session.Specs;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fester.graph.BuildGraph;
import io.fester.hosts.NoHostsException;
import io.fester.hosts.ssh.DemoCluster;
import io.fester.session.LiveRun;
import io.fester.timeline.DebuggerPreview;
import io.fester.timeline.DebuggerReply;
import io.fester.timeline.DebuggerStop;
import io.fester.timeline.EventCodec;
import io.fester.timeline.Pipeline;
import io.fester.timeline.Recorded;
import io.fester.timeline.TimelineStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code fester debug SPEC}: the debugger in batch mode. The run starts stopped; while it is stopped,
 * one command is read from stdin and sent to the engine (recorded as a {@code debugger_command}); each
 * stop and each answer is one JSON line on stdout. End of input is {@code quit}.
 */
@Command(name = "debug", description = "Debug a build without a screen: commands on stdin while stopped, "
        + "one JSON line per stop or answer on stdout")
final class DebugCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "fester.yaml / .yml / .json, build.ninja / *.ninja, "
            + "or compile_commands.json")
    Path spec;

    @Parameters(index = "1..*", paramLabel = "TARGET", description = "actions (ids or outputs) to build; "
            + "default: everything")
    List<String> targets = new ArrayList<>();

    @Mixin
    BuildOptions build;

    @Mixin
    DbOption db;

    /** What the session front waits for: a stop, a reply (each with the preview just before it), or the end. */
    private record Item(Recorded event, DebuggerPreview preview) {}

    private static final Item END = new Item(null, null);

    @Override
    public Integer call() throws Exception {
        Terminal term = Terminal.current();
        spec = term.resolve(spec);
        BuildGraph graph = Specs.select(term.load(spec, null), targets);
        try (DemoCluster demo = build.startDemo(); TimelineStore store = db.open()) {
            LiveRun run = build.liveRun(graph, targets, store, "debug", demo).debug(true);
            run.onNotice(m -> term.err.println("fester: " + TerminalText.clean(m)));
            Progress progress = new Progress(term.err);
            run.addListener(progress);
            BlockingQueue<Item> items = new LinkedBlockingQueue<>();
            run.addListener(new Front(items));
            String[] outcome = new String[1];
            Exception[] failure = new Exception[1];
            Thread runner = new Thread(() -> {
                try {
                    outcome[0] = run.run();
                } catch (Exception e) {
                    failure[0] = e;
                } finally {
                    items.add(END);
                }
            }, "fester-debug-run");
            try (Terminal.Release interrupts = term.interrupts(run); io.fester.cache.Cache cache = run.cache()) {
                runner.start();
                session(run, items, term.out);
                runner.join();
            }
            if (failure[0] instanceof NoHostsException || failure[0] instanceof io.fester.hosts.ssh.WorkspaceMap.RefusedException) {
                throw new UserError(failure[0].getMessage());
            } else if (failure[0] != null) {
                throw failure[0];
            }
            term.err.println(progress.summary(outcome[0], run.runId()));
            // nothing to dispatch: the run ends at its request, before any stop, and stdin is not read
            String reason = upToDate(run) ? "nothing to run: every action is up to date" : null;
            if (reason != null) {
                term.err.println("fester: debug: " + reason + ", so the session ended without stopping and "
                        + "read no command (-B rebuilds everything)");
            }
            ObjectNode end = EventCodec.MAPPER.createObjectNode().put("stop", "end").putNull("breakpoint")
                    .putNull("action").putNull("preview").put("outcome", outcome[0]).put("run", run.runId());
            if (reason != null) {
                end.put("reason", reason);
            }
            term.out.println(end);
            term.out.flush();
            return switch (outcome[0]) {
                case "succeeded" -> ExitCodes.OK;
                case "cancelled" -> ExitCodes.INTERRUPTED;
                default -> ExitCodes.FAILED;
            };
        }
    }

    /** Whether the run found every action up to date (nothing was dispatched, no stop was possible). */
    private static boolean upToDate(LiveRun run) {
        io.fester.uptodate.UpToDate.Result check = run.upToDateCheck();
        return check != null && run.request().actions().size() == check.upToDate().size();
    }

    /** On the loop thread: pairs each stop and reply with the preview recorded just before it. */
    private static final class Front implements java.util.function.Consumer<Recorded> {
        private final BlockingQueue<Item> items;
        private DebuggerPreview preview;

        Front(BlockingQueue<Item> items) {
            this.items = items;
        }

        @Override
        public void accept(Recorded r) {
            if (r.event() instanceof DebuggerPreview p) {
                preview = p;
                return;
            }
            if (r.event() instanceof DebuggerStop || r.event() instanceof DebuggerReply
                    || (r.event() instanceof Pipeline p && Pipeline.RUN_FINISHED.equals(p.state()))) {
                items.add(new Item(r, preview));
            }
            preview = null;
        }
    }

    /** Reads commands while stopped, until the run ends. */
    private static void session(LiveRun run, BlockingQueue<Item> items, PrintStream out)
            throws InterruptedException {
        BlockingQueue<String> lines = stdinLines();
        int lineNo = 0;
        if (!awaitStop(items, out)) {
            return;
        }
        while (true) {
            String line = null;
            while (line == null) {
                line = lines.poll(100, TimeUnit.MILLISECONDS);
                Item early = line == null ? items.poll() : null;
                if (early == END || (early != null && early.event().event() instanceof Pipeline)) {
                    return; // the run ended while stopped (what ran finished and nothing is left)
                } else if (early != null && early.event().event() instanceof DebuggerStop s) {
                    out.println(stopLine(s, early.preview()));
                    out.flush();
                }
            }
            boolean eof = line == EOF;
            String command = eof ? "quit" : line.strip();
            lineNo++;
            if (command.isEmpty() || command.startsWith("#")) {
                continue;
            }
            if (!run.command(command)) {
                return;
            }
            Item reply = awaitReply(items);
            if (reply == END) {
                return;
            }
            DebuggerReply r = (DebuggerReply) reply.event().event();
            if (r.error() != null) {
                Terminal.current().err.println("fester: debug: " + (eof ? "end of input" : "stdin:" + lineNo) + ": "
                        + TerminalText.message(r.error()));
                out.println(EventCodec.MAPPER.createObjectNode().put("command", command).put("error", r.error()));
            } else if (!r.resumed()) {
                out.println(replyLine(r, reply.preview()));
            }
            out.flush();
            if (r.resumed() && !awaitStop(items, out)) {
                return;
            }
        }
    }

    private static final String EOF = new String("<eof>");

    /** Lines of stdin as they come, then {@link #EOF}; a daemon thread reads so Ctrl-C is never stuck on input. */
    private static BlockingQueue<String> stdinLines() {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(Terminal.current().in, StandardCharsets.UTF_8));
        Thread t = new Thread(() -> {
            try {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // like the end of input
            }
            lines.add(EOF);
        }, "fester-debug-stdin");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    /** Waits for the next stop and prints it; false when the run ended instead. */
    private static boolean awaitStop(BlockingQueue<Item> items, PrintStream out) throws InterruptedException {
        while (true) {
            Item it = items.take();
            if (it == END || it.event().event() instanceof Pipeline) {
                return false;
            }
            if (it.event().event() instanceof DebuggerStop s) {
                out.println(stopLine(s, it.preview()));
                out.flush();
                return true;
            }
        }
    }

    private static Item awaitReply(BlockingQueue<Item> items) throws InterruptedException {
        while (true) {
            Item it = items.take();
            if (it == END || it.event().event() instanceof DebuggerReply) {
                return it;
            }
        }
    }

    static ObjectNode stopLine(DebuggerStop s, DebuggerPreview p) {
        ObjectNode o = EventCodec.MAPPER.createObjectNode().put("stop", s.stop());
        o.put("breakpoint", s.breakpoint()); // null unless one was hit: every stop line has the same keys
        o.put("action", s.action());
        o.set("preview", p == null ? null : EventCodec.MAPPER.valueToTree(p.decision()));
        return o;
    }

    private static ObjectNode replyLine(DebuggerReply r, DebuggerPreview p) {
        ObjectNode o = EventCodec.MAPPER.createObjectNode().put("command", r.command());
        if (r.breakpoint() != null) {
            o.put("breakpoint", r.breakpoint()).put("what", r.what());
        }
        String verb = r.command().strip().split("\\s+")[0];
        if (verb.equals("preview") || verb.equals("override")) {
            o.put("action", p == null ? null : p.action());
            o.set("preview", p == null ? null : EventCodec.MAPPER.valueToTree(p.decision()));
        }
        if (r.state() != null) {
            o.set("state", EventCodec.MAPPER.valueToTree(r.state()));
        }
        return o;
    }
}
