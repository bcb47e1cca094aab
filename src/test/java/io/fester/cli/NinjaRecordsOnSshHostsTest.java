package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.IsolatedHome;
import io.fester.Samples;
import io.fester.graph.NinjaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actions of a Ninja manifest that run on SSH hosts (the embedded demo cluster: Apache SSHD in this JVM) get
 * their {@code .ninja_log} lines and {@code .ninja_deps} records as local ones do: the outputs' times as they
 * land in the local tree, the headers from the depfile brought back. Then ninja has nothing to do, and a header
 * edited makes ninja rebuild exactly its reader.
 */
@Tag("ssh")
class NinjaRecordsOnSshHostsTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    @Test
    void ninjaTakesWhatTheDemoHostsBuiltAsUpToDateWithItsHeaders() throws Exception {
        // laid out as CMake lays it out: sources beside the build directory, which the hosts mirror whole
        Path manifest = Samples.spec(dir, "w/build/build.ninja", """
                rule cc
                  command = gcc -MD -MF $out.d -c $in -o $out
                  depfile = $out.d
                  deps = gcc
                rule link
                  command = gcc $in -o $out
                build a.o: cc ../src/a.c
                build b.o: cc ../src/b.c
                build app: link a.o b.o
                """);
        Path w = manifest.getParent();
        Path src = Files.createDirectories(w.resolveSibling("src"));
        Files.writeString(src.resolve("x.h"), "#define X 1\n");
        Files.writeString(src.resolve("y.h"), "#define Y 2\n");
        Files.writeString(src.resolve("a.c"), "#include \"x.h\"\nint a(void) { return X; }\n");
        Files.writeString(src.resolve("b.c"), "#include \"y.h\"\nint a(void);\nint main(void) { return a() + Y - 3; }\n");
        String db = dir.resolve("db/timeline").toString();
        Cli.Result r = Cli.run(db, "run", manifest.toString(), "--hosts", "demo");
        assertEquals(0, r.code(), r.toString());
        Map<String, String> ranOn = RunSamplesTest.succeededOn(RunSamplesTest.events(db, "last"));
        assertEquals(3, ranOn.size(), ranOn.toString());
        assertTrue(ranOn.values().stream().allMatch(h -> h.startsWith("demo")), "built on the SSH hosts: " + ranOn);

        NinjaTool.Result n = NinjaTool.run(w, "-n", "-d", "explain");
        assertEquals(0, n.code(), n.out() + n.err());
        assertTrue(n.out().contains("ninja: no work to do."), "ninja -n wants to run:\n" + n.out() + n.err());
        NinjaTool.Result deps = NinjaTool.run(w, "-t", "deps");
        assertEquals(0, deps.code(), deps.err());
        // ninja lists the entries in the order they were recorded, that is in whichever order the hosts finished
        String a = entry(deps.out(), "a.o: #deps");
        String b = entry(deps.out(), "b.o: #deps");
        assertTrue(a.contains("(VALID)") && a.contains("    ../src/x.h") && a.contains("    ../src/a.c") && !a.contains("y.h"),
                "a.o's headers, as the depfile the host wrote named them:\n" + deps.out());
        assertTrue(b.contains("(VALID)") && b.contains("    ../src/y.h") && !b.contains("x.h"), deps.out());

        Files.writeString(src.resolve("x.h"), "#define X 3\n");
        NinjaTool.Result after = NinjaTool.run(w, "-n");
        assertEquals(0, after.code(), after.out() + after.err());
        assertTrue(after.out().contains("-o a.o") && after.out().contains("-o app"), after.out());
        assertFalse(after.out().contains("-o b.o"), "only x.h's reader and the link: " + after.out());
    }

    /** One output's entry in {@code ninja -t deps}: from its header line to the blank line that ends it. */
    private static String entry(String out, String header) {
        int from = out.indexOf(header);
        assertTrue(from >= 0, "no " + header + " in:\n" + out);
        int end = out.indexOf("\n\n", from);
        return out.substring(from, end < 0 ? out.length() : end);
    }
}
