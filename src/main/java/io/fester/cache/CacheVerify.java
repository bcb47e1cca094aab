package io.fester.cache;

import io.fester.graph.Action;
import io.fester.graph.BuildGraph;
import io.fester.uptodate.FileHashes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code fester cache verify --sample N SPEC}: picks N actions of a built tree whose current key has a
 * result in the cache, runs each one's command again (as a run would: {@code /bin/sh -c} in the workspace
 * root with the spec's environment) and compares the bytes of every output with the cached blobs' digests.
 * A difference means a nondeterministic action (it should not be cached: tag it {@code no-cache}) or a
 * key that misses something the action reads.
 */
public final class CacheVerify {
    private CacheVerify() {}

    /** One action checked: {@code same}, or what differs. */
    public record Checked(String action, String layer, boolean same, String detail) {}

    /**
     * Picks up to {@code sample} actions whose current key has a result in any layer, runs each again, and
     * compares its outputs with the result of every layer that holds one under that key (the local layer
     * and the shared store may each have theirs: both are checked).
     */
    public static List<Checked> verify(Cache cache, BuildGraph graph, int sample, long seed) throws IOException {
        FileHashes hashes = new FileHashes(Path.of(graph.root()));
        ActionKeys keys = new ActionKeys(graph, hashes, cache.salt());
        List<Action> found = new ArrayList<>();
        Map<String, Map<CacheLayer, CacheResult>> held = new java.util.HashMap<>();
        for (Action a : graph.actions()) {
            if (ActionKeys.notCacheable(a) != null) {
                continue;
            }
            PreImage first;
            try {
                first = keys.preImage(a);
            } catch (ActionKeys.Unkeyable u) {
                continue;
            }
            Map<CacheLayer, CacheResult> hits = new LinkedHashMap<>();
            for (CacheLayer layer : cache.layers()) {
                CacheResult r = find(layer, keys, first);
                if (r != null) {
                    hits.put(layer, r);
                }
            }
            if (!hits.isEmpty()) {
                found.add(a);
                held.put(a.id(), hits);
            }
        }
        Collections.shuffle(found, new Random(seed));
        List<Checked> out = new ArrayList<>();
        for (Action a : found.subList(0, Math.min(sample, found.size()))) {
            Map<CacheLayer, CacheResult> hits = held.get(a.id());
            List<String> names = hits.keySet().stream().map(CacheLayer::name).toList();
            List<CacheResult> results = new ArrayList<>(hits.values());
            out.add(rerun(graph, keys, a, String.join(", ", names), names, results));
        }
        return out;
    }

    private static CacheResult find(CacheLayer layer, ActionKeys keys, PreImage first) throws IOException {
        for (int n = 0; n < CacheSession.SLOTS; n++) {
            byte[] mb = layer.getResult(first.key() + ".m" + n);
            if (mb == null) {
                break;
            }
            CacheResult.Manifest m = CacheResult.Manifest.parse(mb);
            if (m == null) {
                continue;
            }
            Map<String, String> deps = keys.depFields(m.discovered());
            if (deps == null) {
                continue;
            }
            PreImage full = keys.full(first, deps, m.located());
            byte[] rb = layer.getResult(full.key());
            CacheResult r = rb == null ? null : CacheResult.parse(rb);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static Checked rerun(BuildGraph graph, ActionKeys keys, Action a, String layer, List<String> names,
            List<CacheResult> results) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", a.run()).directory(keys.root().toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(graph.env());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Checked(a.id(), layer, false, "did not finish within 10 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            return new Checked(a.id(), layer, false, "exit code " + p.exitValue() + " when run again: "
                    + output.strip());
        }
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            String in = results.size() > 1 ? " in " + names.get(i) : "";
            for (CacheResult.Out o : results.get(i).outputs()) {
                Path f = keys.resolve(o.path());
                if (o.link() != null) {
                    String now = Files.isSymbolicLink(f) ? Files.readSymbolicLink(f).toString() : null;
                    if (!o.link().equals(now)) {
                        diffs.add(PreImage.shown(o.path()) + " is no longer a link to " + o.link() + in);
                    }
                    continue;
                }
                if (!Files.isRegularFile(f)) {
                    diffs.add(PreImage.shown(o.path()) + " missing when run again");
                    continue;
                }
                String h = ActionKeys.sha256(f);
                if (!h.equals(o.digest())) {
                    diffs.add(PreImage.shown(o.path()) + " differs (cached " + o.digest().substring(0, 12) + in
                            + ", run again " + h.substring(0, 12) + ")");
                }
            }
        }
        return new Checked(a.id(), layer, diffs.isEmpty(), diffs.isEmpty() ? "same bytes" : String.join("; ", diffs));
    }
}
