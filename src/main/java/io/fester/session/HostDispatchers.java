package io.fester.session;

import io.fester.engine.Dispatcher;
import io.fester.graph.Action;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Routes each dispatched action to the {@link Dispatcher} of its host (local hosts to the local
 * executor, SSH hosts to the SSH executor). Built before the run starts, read-only afterwards.
 */
final class HostDispatchers implements Dispatcher {
    private final Map<String, Dispatcher> byHost = new TreeMap<>();
    private final Set<Dispatcher> all = new LinkedHashSet<>();

    /** Sends the host's actions to {@code d}. */
    void route(String host, Dispatcher d) {
        byHost.put(host, d);
        all.add(d);
    }

    @Override
    public void start(Action action, String host, int slot, int attempt) {
        Dispatcher d = byHost.get(host);
        if (d == null) {
            throw new IllegalStateException("no dispatcher for host '" + host + "'");
        }
        d.start(action, host, slot, attempt);
    }

    @Override
    public void cancelAll() {
        all.forEach(Dispatcher::cancelAll);
    }

    @Override
    public void close() {
        all.forEach(Dispatcher::close);
    }
}
