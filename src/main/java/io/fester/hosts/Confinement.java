package io.fester.hosts;

import io.fester.graph.Action;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a local backend's command runs: on this machine as it is ({@link #NONE}), or confined (a
 * bubblewrap sandbox, an LXC container). The local executor starts {@code setsid [waiter] PREFIX… /bin/sh
 * -c COMMAND} in the workspace root, so the process group, timeouts, cancels and output work alike.
 */
public interface Confinement {
    /** The hosts file's kind of the hosts it runs ({@code local}, {@code lxc}). */
    String kind();

    /** What runs the commands, checked now (the tool is there and works), for the host's {@code up}. */
    String runner() throws IOException;

    /** The arguments that confine {@code /bin/sh -c COMMAND} for the action (empty: none). */
    List<String> prefix(Action action, Path root) throws IOException;

    /**
     * After a failed attempt (exit code {@code code}): why, when the confinement refused something the
     * action did (a write outside its outputs, a network socket), as a line for its stderr; else null.
     */
    default String refused(Action action, Path root, int code, String stderr) {
        return null;
    }

    /** Undoes what {@link #prefix} prepared for the attempt (after it ended). */
    default void done(Action action, Path root) {}

    /** Runs commands as they are, on this machine. */
    Confinement NONE = new Confinement() {
        @Override
        public String kind() {
            return "local";
        }

        @Override
        public String runner() {
            return "local";
        }

        @Override
        public List<String> prefix(Action action, Path root) {
            return List.of();
        }
    };
}
