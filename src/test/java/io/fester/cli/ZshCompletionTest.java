package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zsh completion the package installs ({@link ShellDocs}), loaded as zsh loads it: a real interactive
 * {@code zsh -f} in a pseudo-terminal ({@code zsh/zpty}) with {@code compinit} and the generated {@code _fester}
 * on its {@code fpath}, keys typed into its line editor — TAB, then a key bound to a widget that writes the
 * edited line to a file. zsh is installed by {@code .ci/run}.
 */
class ZshCompletionTest {
    @TempDir
    Path dir;

    @Test
    void tabCompletesCommandsAndOptionsFromTheGeneratedFunction() throws Exception {
        List<Path> written = ShellDocs.write(dir);
        Path bash = dir.resolve("completion/fester.bash");
        assertTrue(written.contains(bash) && written.contains(dir.resolve("completion/_fester")), written.toString());
        assertTrue(Files.readString(dir.resolve("completion/_fester")).contains("source '" + ShellDocs.BASH_COMPLETION
                + "'"), "the packaged function sources the packaged bash script");
        // the same function, sourcing the script just written instead of the installed one
        Path fpath = Files.createDirectories(dir.resolve("fpath"));
        Files.writeString(fpath.resolve("_fester"), ShellDocs.zsh(bash.toString()), StandardCharsets.UTF_8);
        Path out = dir.resolve("lines");
        List<String> typed = List.of("fester ru", "fester cri", "fester run --fa", "fester zz");
        StringBuilder keys = new StringBuilder();
        for (String t : typed) {
            keys.append("zpty -w -n z '").append(t).append("'$'\\t\\C-x\\C-p'\n");
        }
        Path driver = dir.resolve("drive.zsh");
        Files.writeString(driver, """
                zmodload zsh/zpty
                zpty -b z zsh -f -i
                zpty -w z "PS1='> '; fpath=(%s \\$fpath); autoload -U compinit; compinit -u -D; fester() { :; }"
                zpty -w z "show() { print -r -- \\"[\\$BUFFER]\\" >> %s; BUFFER=''; }; zle -N show; bindkey '^X^P' show"
                %s
                for i in {1..600}; do
                  [[ -f %s && $(wc -l < %s) -ge %d ]] && break
                  sleep 0.1
                done
                zpty -d z
                """.formatted(fpath, out, keys, out, out, typed.size()), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("zsh", "-f", driver.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("zsh.log").toFile()).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "zsh ended");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("zsh.log")));
        assertEquals(List.of(
                "[fester run]", // run and runs: the common prefix, no space
                "[fester critical-path ]", // one command: completed and a space
                "[fester run --fail-fast ]", // an option of run
                "[fester zz]"), // nothing matches: the line stays as typed
                Files.exists(out) ? Files.readAllLines(out) : List.of("(no line written)"),
                Files.readString(dir.resolve("zsh.log")));
    }
}
