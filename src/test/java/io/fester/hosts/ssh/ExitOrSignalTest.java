package io.fester.hosts.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.engine.Dispatcher;
import io.fester.graph.Action;
import io.fester.hosts.ExecutorEvents;
import io.fester.hosts.ExitStatus;
import io.fester.hosts.LocalExecutor;
import io.fester.state.HostFaults;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command that exits 137 by itself exited 137; one a signal killed was killed by that signal. Both
 * executors tell them apart exactly (the exit status alone cannot: 128+N is both), so an ordinary exit
 * status is never taken for the out-of-memory killer and held against the host.
 */
@Tag("ssh")
class ExitOrSignalTest {
    @TempDir
    Path dir;

    private static Action action(String run) {
        return new Action("a", run, List.of(), List.of(), List.of(), List.of(), null);
    }

    private static Exit run(Dispatcher d, LinkedBlockingQueue<Event> events, String host, String command)
            throws Exception {
        d.start(action(command), host, 0, 1);
        List<Event> got = ExecutorEvents.untilExit(events);
        return (Exit) got.get(got.size() - 1);
    }

    private static void check(Dispatcher d, LinkedBlockingQueue<Event> events, String host) throws Exception {
        for (String exits : List.of("exit 137", "true; exit 137", "sh -c 'exit 137'")) {
            Exit x = run(d, events, host, exits);
            assertEquals(Exit.CAUSE_EXIT, x.cause(), exits + " on " + host + ": " + x);
            assertEquals(137, x.exitCode());
            assertNull(x.signal(), x.toString());
            assertNull(HostFaults.fault(x, ""), "an exit status is the action's own failure");
        }
        Exit three = run(d, events, host, "exit 131");
        assertEquals(Exit.CAUSE_EXIT, three.cause(), three.toString());
        Exit killed = run(d, events, host, "kill -9 $$");
        assertEquals(Exit.CAUSE_SIGNAL, killed.cause(), killed.toString());
        assertEquals(9, killed.signal());
        assertEquals(137, killed.exitCode(), "the status as a shell would show it");
        Exit term = run(d, events, host, "kill -TERM $$");
        assertEquals(Exit.CAUSE_SIGNAL, term.cause(), term.toString());
        assertEquals(15, term.signal());
        Exit plain = run(d, events, host, "exit 3");
        assertEquals(Exit.CAUSE_EXIT, plain.cause());
        assertEquals(3, plain.exitCode());
    }

    @Test
    void theAgentWaitsWithTheSameWaiterAsTheLocalExecutor() throws Exception {
        String script = Files.readString(Path.of("agent-scripts", "fester-agent.sh"));
        assertTrue(script.contains("WAITER='" + ExitStatus.WAITER + "'"), "fester-agent.sh's WAITER is ExitStatus.WAITER");
        assertTrue(ExitStatus.exact(), "perl is on the PATH (perl-base is essential on Debian)");
    }

    @Test
    void locally() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (LocalExecutor x = new LocalExecutor(dir, Map.of(), events::add)) {
            check(x, events, "local");
        }
    }

    @Test
    void onAnSshHost() throws Exception {
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        DemoHosts demo = new DemoHosts(dir.resolve("data"));
        Path root = Files.createDirectories(dir.resolve("ws"));
        SshSession s = demo.connect("demo1");
        try (SshExecutor x = new SshExecutor(Map.of("demo1", new SshExecutor.Host(s, WorkspaceSync.open(s, root))),
                demo.pool, Map.of(), events::add)) {
            check(x, events, "demo1");
        } finally {
            demo.close();
        }
    }
}
