package io.fester.cli;

import io.fester.session.UserError;
import io.fester.ui.CockpitLauncher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code fester cockpit [SPEC]}: the window; also what {@code fester} with no arguments does. */
@Command(name = "cockpit", description = "Open the cockpit window on SPEC (default: the bundled sample build) and run it")
final class CockpitCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC")
    Path spec;

    @Mixin
    DbOption db;

    @picocli.CommandLine.Option(names = "--no-cache", description = "runs started in the window neither look "
            + "actions up in the action cache nor store their results")
    boolean noCache;

    @Mixin
    RemoteCacheOptions remoteCache = new RemoteCacheOptions();

    @Override
    public Integer call() {
        if (noCache && remoteCache.remote != null) {
            throw new UserError("--no-cache and --remote-cache contradict each other: drop one");
        }
        CockpitLauncher.sharedCache(remoteCache.config());
        return CockpitLauncher.launch(spec, db.path(), null, noCache);
    }
}
