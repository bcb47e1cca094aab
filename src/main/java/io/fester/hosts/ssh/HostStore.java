package io.fester.hosts.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * SSH hosts moving blobs straight between their workspaces and the shared cache's store (ADR 0034): an
 * action's inputs that the host lacks and the store holds are fetched there by digest, and a succeeded
 * action's outputs are pushed from there, once. Each batch is one exec channel running the agent script's
 * {@code store-get} or {@code store-put}, the signed URLs written to its stdin (never on a command line).
 * Every blob is checked against its digest on the host. A host that cannot reach the store (no curl, a
 * connection refused, a timeout) is marked for the rest of the run: its files go through the coordinator,
 * as without a store, and the caller records why once.
 */
public final class HostStore {
    /** What one batch did on one host. */
    public record Moved(Map<String, String> done, long bytes, long ms, String unreachable) {
        /** Paths (fetch) or digests (push) that went through, and the host's reason if it cannot reach the store. */
        public int files() {
            return done.size();
        }
    }

    /** A file the host should fetch: its workspace path, digest and mode. */
    public record Want(String path, String digest, int mode) {}

    private final BlobStore store;
    /** Digests the store is known to hold (asked, or pushed in this run). */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Digests it is known to lack (asked in this run; a push removes them). */
    private final Set<String> lacking = ConcurrentHashMap.newKeySet();
    /** Hosts that cannot reach the store, with why. */
    private final Map<String, String> unreachable = new ConcurrentHashMap<>();

    public HostStore(BlobStore store) {
        this.store = store;
    }

    /** The store's name (the shared layer's). */
    public String name() {
        return store.name();
    }

    /** Whether this host reaches the store itself (false once it could not). */
    public boolean reaches(String host) {
        return !unreachable.containsKey(host);
    }

    /** Marks the host as unable to reach the store; true the first time (the caller records it). */
    boolean unreachable(String host, String why) {
        return unreachable.putIfAbsent(host, why) == null;
    }

    /** Whether the store holds this blob (remembered for the run; a store that cannot answer: no). */
    boolean has(String digest) {
        if (held.contains(digest)) {
            return true;
        }
        if (lacking.contains(digest)) {
            return false;
        }
        try {
            if (store.has(digest)) {
                held.add(digest);
                return true;
            }
        } catch (IOException cannotTell) {
            return false;
        }
        lacking.add(digest);
        return false;
    }

    /**
     * Fetches on the host those of these files that the store holds, each checked against its digest there
     * before it is renamed into place. Returns the paths fetched (path → digest); the others are the
     * coordinator's to send.
     */
    public Moved fetch(String host, SshSession session, String workspace, List<Want> wants) throws IOException {
        long t0 = System.nanoTime();
        List<Want> from = new ArrayList<>();
        for (Want w : wants) {
            if (has(w.digest())) {
                from.add(w);
            }
        }
        if (from.isEmpty() || !reaches(host)) {
            return new Moved(Map.of(), 0, 0, null);
        }
        StringBuilder req = new StringBuilder();
        Map<String, Want> byDigest = new LinkedHashMap<>();
        for (Want w : from) {
            if (byDigest.putIfAbsent(w.digest() + " " + w.path(), w) != null) {
                continue;
            }
            req.append(w.digest()).append(' ').append(Integer.toOctalString(w.mode() & 0777)).append(' ')
                    .append(w.path()).append('\n').append(store.url(w.digest(), false)).append('\n');
        }
        Map<String, String> done = new LinkedHashMap<>();
        long bytes = 0;
        String why = null;
        List<Want> order = new ArrayList<>(byDigest.values());
        int next = 0;
        for (String line : exchange(session, workspace, "store-get", req.toString())) {
            String[] f = line.split(" ", 3);
            if (f[0].equals("unreachable")) {
                why = line.substring("unreachable".length()).trim();
                break;
            }
            Want w = next < order.size() ? order.get(next++) : null;
            if (w == null || f.length < 2 || !f[1].equals(w.digest())) {
                continue;
            }
            if (f[0].equals("ok")) {
                done.put(w.path(), w.digest());
                bytes += f.length > 2 ? parse(f[2]) : 0;
            } else if (f[0].equals("absent")) {
                held.remove(w.digest());
            }
        }
        return new Moved(done, bytes, ms(t0), why);
    }

    /**
     * Pushes from the host those of these files (workspace path → digest) that the store lacks, each checked
     * against its digest there first. Returns the digests pushed; nothing on a read-only store.
     */
    public Moved push(String host, SshSession session, String workspace, Map<String, String> files) throws IOException {
        long t0 = System.nanoTime();
        if (!store.writable() || !reaches(host)) {
            return new Moved(Map.of(), 0, 0, null);
        }
        Map<String, String> todo = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : files.entrySet()) {
            if (!todo.containsValue(e.getValue()) && !has(e.getValue())) {
                todo.put(e.getKey(), e.getValue());
            }
        }
        if (todo.isEmpty()) {
            return new Moved(Map.of(), 0, ms(t0), null);
        }
        StringBuilder req = new StringBuilder();
        for (Map.Entry<String, String> e : todo.entrySet()) {
            req.append(e.getValue()).append(' ').append(e.getKey()).append('\n')
                    .append(store.url(e.getValue(), true)).append('\n');
        }
        Map<String, String> done = new LinkedHashMap<>();
        long bytes = 0;
        String why = null;
        for (String line : exchange(session, workspace, "store-put", req.toString())) {
            String[] f = line.split(" ", 3);
            if (f[0].equals("unreachable")) {
                why = line.substring("unreachable".length()).trim();
                break;
            }
            if (f[0].equals("ok") && f.length > 1) {
                for (Map.Entry<String, String> e : todo.entrySet()) {
                    if (e.getValue().equals(f[1])) {
                        done.put(e.getKey(), f[1]);
                    }
                }
                held.add(f[1]);
                lacking.remove(f[1]);
                bytes += f.length > 2 ? parse(f[2]) : 0;
            }
        }
        return new Moved(done, bytes, ms(t0), why);
    }

    /** Runs the agent script's {@code verb} in the workspace with {@code input} on its stdin; its answer lines. */
    private static List<String> exchange(SshSession session, String workspace, String verb, String input)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec ch = session.start("cd " + Shell.quote(workspace) + " && exec /bin/sh " + SshSampler.SCRIPT
                + " " + verb, out, err);
        try {
            OutputStream in = ch.getInvertedIn();
            in.write(input.getBytes(StandardCharsets.UTF_8));
            in.flush();
            in.close(); // EOF: the agent's loop ends after the last request
            Set<ClientChannelEvent> got = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED),
                    session.timeout().multipliedBy(20));
            if (!got.contains(ClientChannelEvent.CLOSED)) {
                throw new IOException("host '" + session.host() + "': the store transfer did not finish in time");
            }
            Integer code = ch.getExitStatus();
            if (code != null && code != 0) {
                throw new IOException("host '" + session.host() + "': " + verb + " exited " + code + ": "
                        + err.toString(StandardCharsets.UTF_8).strip());
            }
            return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
        } finally {
            ch.close(false);
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
