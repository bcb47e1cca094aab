package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** What executor tests read from the observations an executor posts. */
public final class ExecutorEvents {
    private ExecutorEvents() {}

    /** Collects events until the exit; returns them all, the exit last. */
    public static List<Event> untilExit(BlockingQueue<Event> events) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        while (true) {
            Event e = events.poll(30, TimeUnit.SECONDS);
            assertNotNull(e, "no exit within 30 s; got " + got);
            got.add(e);
            if (e instanceof Exit) {
                return got;
            }
        }
    }

    /** The output of one stream, in order. */
    public static String text(List<Event> got, String stream) {
        StringBuilder sb = new StringBuilder();
        got.stream().filter(e -> e instanceof Output o && o.stream().equals(stream)).forEach(e -> sb.append(((Output) e).text()));
        return sb.toString();
    }

    /** Whether a process is still alive after waiting up to 5 s for it to go. */
    public static boolean alive(long pid) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                Thread.sleep(100);
            } else {
                return false;
            }
        }
        return true;
    }
}
