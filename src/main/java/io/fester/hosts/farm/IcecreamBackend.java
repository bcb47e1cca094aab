package io.fester.hosts.farm;

import io.fester.graph.CompileCommand;
import io.fester.timeline.Event;
import io.fester.timeline.Exit;
import io.fester.timeline.Placement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An icecream farm as one Fester host: Fester's scheduler decides that a compile goes to the farm; each
 * runs here as {@code icecc COMPILER …}, whose local daemon asks icecream's scheduler for a daemon, so
 * the daemon is icecream's choice. The client logs each attempt into a file of its own
 * ({@code ICECC_LOGFILE}, debug level); after the attempt Fester reads there which daemon compiled it
 * ({@code Have to use host ADDRESS:PORT - Job ID: N}) or why the client compiled it on this machine (it
 * falls back to a local compile when the remote one fails, and has no switch to turn that off) and posts
 * it as a {@code placement} observation before the attempt's exit.
 */
public final class IcecreamBackend implements FarmBackend {
    private static final Pattern LINE = Pattern.compile("^ICECC\\[\\d+\\] [^:]+:\\d\\d:\\d\\d: (.*)$");
    private static final Pattern REMOTE = Pattern.compile("Have to use host (\\S+) - Job ID: (\\d+)");

    private final FarmHost host;
    private final Path stateDir;

    /** @param stateDir where the attempts' client logs are written (the run's scratch directory for the host) */
    public IcecreamBackend(FarmHost host, Path stateDir) {
        this.host = host;
        this.stateDir = stateDir;
    }

    @Override
    public String command(String run) {
        return CompileCommand.wrap(run, "icecc");
    }

    @Override
    public Map<String, String> env() {
        Map<String, String> env = new TreeMap<>();
        String socket = host.client().get("socket");
        if (socket != null) {
            env.put("ICECC_TEST_SOCKET", socket); // the local daemon's socket, when it is not icecream's usual one
        }
        String environment = host.client().get("environment");
        if (environment != null) {
            env.put("ICECC_VERSION", environment);
        }
        if ("true".equals(host.client().get("test-mode"))) {
            env.put("ICECC_TEST_REMOTEBUILD", "1"); // daemons on 127.0.0.1 are other machines
        }
        env.put("ICECC_DEBUG", "debug");
        return env;
    }

    @Override
    public Map<String, String> env(String action, int attempt) {
        Map<String, String> env = env();
        env.put("ICECC_LOGFILE", log(action, attempt).toString());
        return env;
    }

    private Path log(String action, int attempt) {
        return stateDir.resolve(action.replaceAll("[^A-Za-z0-9_.-]", "_") + "." + attempt + ".log");
    }

    @Override
    public Exit ended(Exit exit, String output, Consumer<Event> sink) {
        Path log = log(exit.action(), exit.attempt());
        String text;
        try {
            text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            Files.deleteIfExists(log);
        } catch (IOException e) {
            text = "";
        }
        for (Placement p : placements(text, exit.action(), exit.host(), exit.attempt())) {
            sink.accept(p);
        }
        return exit;
    }

    /**
     * Where each compile of the client's log was done: one placement per {@code icecc} run that compiled (a
     * daemon, or this machine with the client's reason), in the log's order.
     */
    static List<Placement> placements(String log, String action, String host, int attempt) {
        List<Placement> out = new ArrayList<>();
        String daemon = null;
        Integer job = null;
        String here = null;
        boolean started = false;
        for (String raw : log.split("\n")) {
            Matcher m = LINE.matcher(raw);
            if (!m.matches()) {
                continue;
            }
            String line = m.group(1).strip();
            if (line.startsWith("invoked as:")) {
                if (started) {
                    add(out, action, host, attempt, daemon, job, here);
                }
                started = true;
                daemon = null;
                job = null;
                here = null;
                continue;
            }
            Matcher r = REMOTE.matcher(line);
            if (r.find()) {
                daemon = r.group(1);
                job = Integer.valueOf(r.group(2));
            } else if (line.startsWith("building myself")) {
                here = "icecream's scheduler gave the job to this machine's own daemon";
            } else if (line.startsWith("local build forced by remote exception:")) {
                here = "icecream fell back to a local compile"
                        + (daemon == null ? "" : " after daemon " + daemon + " failed") + ": "
                        + line.substring("local build forced by remote exception:".length()).strip();
            } else if (line.startsWith("got exception")) { // e.g. the daemon went away mid-compile
                here = "icecream fell back to a local compile"
                        + (daemon == null ? "" : " after daemon " + daemon + " failed") + ": " + line;
            } else if (line.startsWith("no local daemon found")) {
                here = "no local iceccd answered, so icecream compiled it here";
            } else if (line.startsWith("<building_local>") && here == null) {
                here = "icecream's client compiled it here";
            }
        }
        if (started) {
            add(out, action, host, attempt, daemon, job, here);
        }
        return out;
    }

    private static void add(List<Placement> out, String action, String host, int attempt, String daemon, Integer job,
            String here) {
        if (here != null) {
            out.add(new Placement(action, host, attempt, Placement.ICECREAM, Placement.HERE, job, here));
        } else if (daemon != null) {
            out.add(new Placement(action, host, attempt, Placement.ICECREAM, daemon, job, null));
        }
    }
}
