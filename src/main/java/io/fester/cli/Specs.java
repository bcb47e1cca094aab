package io.fester.cli;

import io.fester.graph.BuildGraph;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import io.fester.graph.SpecLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Tells the kind of a SPEC by its name and loads it. */
final class Specs {
    private Specs() {}

    static BuildGraph load(Path spec) throws SpecException, IOException {
        String name = spec.getFileName() == null ? "" : spec.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")) {
            if (name.equals("compile_commands.json")) {
                throw new SpecException(SourcePos.ofFile(spec.toString()),
                        "compilation databases are not supported by this version of Fester yet");
            }
            return SpecLoader.load(spec);
        }
        if (name.equals("build.ninja") || name.endsWith(".ninja")) {
            throw new SpecException(SourcePos.ofFile(spec.toString()),
                    "Ninja manifests are not supported by this version of Fester yet");
        }
        throw new SpecException(SourcePos.ofFile(spec.toString()),
                "unknown kind of spec: name a fester.yaml (or .yml, .json) file");
    }

    /** Keeps only what the targets need; a target is an action id or an output path. */
    static BuildGraph select(BuildGraph graph, List<String> targets) {
        if (targets.isEmpty()) {
            return graph;
        }
        List<Integer> picked = new ArrayList<>();
        for (String t : targets) {
            int i = graph.indexOf(t);
            if (i < 0) {
                for (int k = 0; k < graph.size() && i < 0; k++) {
                    if (graph.action(k).outputs().contains(t)) {
                        i = k;
                    }
                }
            }
            if (i < 0) {
                throw new UserError("unknown target '" + t + "': name an action id or an output of " + graph.spec());
            }
            picked.add(i);
        }
        return graph.select(picked.stream().mapToInt(Integer::intValue).toArray());
    }
}
