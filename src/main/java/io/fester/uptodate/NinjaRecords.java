package io.fester.uptodate;

import io.fester.graph.BuildGraph;
import io.fester.graph.NinjaDepsLog;
import io.fester.graph.NinjaLog;
import io.fester.graph.SourcePos;
import io.fester.graph.SpecException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Ninja's two records in a build directory ({@code .ninja_log}, {@code .ninja_deps}) must be files Fester
 * can read when they exist: Fester reads them on every run and appends to them as ninja does (ADR 0030).
 * One that is a directory, cannot be opened or is a loop of symbolic links is the user's to fix, said before
 * anything is run or recorded — not an internal error halfway through a run.
 */
public final class NinjaRecords {
    private NinjaRecords() {}

    /** Checks both records of the graph's build directory when the graph is a Ninja manifest's; else nothing. */
    public static void check(BuildGraph graph) throws SpecException {
        if (UpToDate.orderOnlyDeps(graph)) {
            check(Path.of(graph.root()));
        }
    }

    /** Checks {@code .ninja_log} and {@code .ninja_deps} in {@code root}: absent or a readable file. */
    public static void check(Path root) throws SpecException {
        check(root.resolve(NinjaLog.FILE), "ninja's build log");
        check(root.resolve(NinjaDepsLog.FILE), "ninja's dependency log");
    }

    private static void check(Path file, String what) throws SpecException {
        String fix = "; ninja and Fester start a new one (ninja then rebuilds what only it had built)";
        if (Files.isDirectory(file)) {
            throw new SpecException(SourcePos.ofFile(file.toString()), "is a directory, where " + what
                    + " should be a file: remove it (rm -r '" + file + "')" + fix);
        }
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            // readable: ninja's records are parsed later, and a damaged one is a notice, not an error
        } catch (NoSuchFileException e) {
            return; // none yet (or a dangling link): the first append creates it, as ninja's does
        } catch (FileSystemException e) {
            String reason = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getReason() == null ? "it cannot be opened" : e.getReason();
            throw new SpecException(SourcePos.ofFile(file.toString()), what + " cannot be read (" + reason
                    + "): make it a file you can read and write (chmod u+rw), or remove it" + fix);
        } catch (IOException e) {
            throw new SpecException(SourcePos.ofFile(file.toString()), what + " cannot be read (" + e.getMessage()
                    + "): make it a file you can read and write, or remove it" + fix);
        }
    }
}
