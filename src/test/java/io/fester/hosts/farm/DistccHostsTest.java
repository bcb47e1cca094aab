package io.fester.hosts.farm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.CompileCommand;
import io.fester.graph.SpecException;
import io.fester.hosts.HostsFile;
import io.fester.timeline.Exit;
import io.fester.timeline.RunRequest.HostSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a distcc host takes (compiles only), how it is written in hosts.yaml, and what its refusals mean. */
class DistccHostsTest {
    @TempDir
    Path dir;

    @Test
    void onlyGccAndClangCompilesGoToAFarm() {
        Map<String, String> env = Map.of("CC", "gcc", "CXX", "ccache g++");
        assertTrue(CompileCommand.compiles("mkdir -p o && $CC -O2 -c a.c -o o/a.o", env));
        assertTrue(CompileCommand.compiles("/usr/bin/cc -DX -MD -MF a.o.d -o a.o -c a.c", env));
        assertTrue(CompileCommand.compiles("x86_64-linux-gnu-g++-12 -c a.cc", env));
        assertTrue(CompileCommand.compiles("${CC} -c a.c", env));
        assertFalse(CompileCommand.compiles("$CC -o prog a.o b.o", env), "a link");
        assertFalse(CompileCommand.compiles("$CXX -c a.cc", env), "CXX runs ccache, not a compiler");
        assertFalse(CompileCommand.compiles("$FC -c a.f", env), "an unknown variable");
        assertFalse(CompileCommand.compiles("gcc -E -c a.c", env), "preprocesses only");
        assertFalse(CompileCommand.compiles("ar rcs lib.a -c a.o", env), "no compiler");
        assertTrue(CompileCommand.compiles("mkdir -p o && gcc -c a.c -o o/a.o && touch stamp", env),
                "the other commands of the line run here, the compile on the farm");
        assertFalse(CompileCommand.compiles("gcc -c a.c && gcc -o prog a.o", env), "a link in the same line");
        assertEquals("not a compile (no -c): a link, a test or another command",
                CompileCommand.whyNot("./build/test_demo > log", env));
        assertEquals("mkdir -p o && distcc $CC -O2 -c a.c -o o/a.o",
                CompileCommand.wrap("mkdir -p o && $CC -O2 -c a.c -o o/a.o", "distcc"));
        assertEquals("distcc /usr/bin/cc -c a.c", CompileCommand.wrap("/usr/bin/cc -c a.c", "distcc"));
    }

    private Path file(String text) throws Exception {
        return Files.writeString(dir.resolve("hosts.yaml"), text);
    }

    @Test
    void aDistccHostIsAFarmHostNotAnSshHost() throws Exception {
        HostsFile h = HostsFile.load(file("""
                hosts:
                  - {name: here, local: true}
                  - {name: d1, kind: distcc, address: 127.0.0.1, slots: 4}
                  - {name: d2, kind: distcc, address: build2, port: 4000, stats-port: 4001}
                """));
        assertEquals(Map.of(), h.remotes());
        assertEquals("127.0.0.1:3632/4", h.farm("d1").distccHost());
        assertEquals(4001, h.farm("d2").statsPort());
        HostSpec d1 = h.hosts().get(1);
        assertEquals("distcc", d1.kind());
        assertEquals("distcc", d1.label(), "the lanes show the kind");
        assertFalse(d1.local());
        assertNull(h.hosts().get(0).kind(), "a local host's record is as before");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'  - {name: d1, kind: icecc}'|2:22: unknown kind 'icecc' (known: distcc, icecream, local, lxc, ssh)",
        "'  - {name: d1, kind: distcc}'|2:5: a distcc host needs 'address'",
        "'  - {name: d1, kind: distcc, address: a, port: 0}'|2:48: port must be a whole number from 1 to 65535",
        "'  - {name: d1, kind: distcc, address: a, user: me}'|2:42: a host of kind distcc takes no 'user' (its own "
            + "keys: address, port, stats-port)",
        "'  - {name: d1, kind: distcc, address: a, local: true}'|2:49: 'local: true' contradicts 'kind: distcc'",
        "'  - {name: d1, stats-port: 3633}'|2:16: a host of kind ssh takes no 'stats-port'",
        "'  - {name: d1, kind: distcc, address: \"a b\"}'|2:39: address must be a host name or an IP address",
    })
    void badDistccHostsAreLocated(String line, String message) throws Exception {
        Path f = file("hosts:\n" + line + "\n");
        SpecException e = assertThrows(SpecException.class, () -> HostsFile.load(f));
        assertTrue(e.getMessage().startsWith(f + ":" + message), e.getMessage());
    }

    @Test
    void anIcecreamHostIsTheWholeFarmReachedThroughItsScheduler() throws Exception {
        HostsFile h = HostsFile.load(file("""
                hosts:
                  - {name: here, local: true}
                  - {name: ice, kind: icecream, scheduler: sched.example, slots: 16}
                  - {name: ice2, kind: icecream, scheduler: 127.0.0.1:18765, socket: /run/ice.sock, environment: /e/gcc.tar, test-mode: true}
                """));
        FarmHost ice = h.farm("ice");
        assertEquals("sched.example", ice.address());
        assertEquals(8765, ice.port(), "icecc-scheduler's default port");
        assertEquals(16, ice.slots());
        assertEquals("icecream", h.hosts().get(1).label(), "the lanes show the kind");
        IcecreamBackend b = new IcecreamBackend(h.farm("ice2"), dir);
        Map<String, String> env = b.env("compile-a", 2);
        assertEquals("/run/ice.sock", env.get("ICECC_TEST_SOCKET"));
        assertEquals("/e/gcc.tar", env.get("ICECC_VERSION"));
        assertEquals("1", env.get("ICECC_TEST_REMOTEBUILD"));
        assertEquals(dir.resolve("compile-a.2.log").toString(), env.get("ICECC_LOGFILE"), "a log per attempt");
        assertNull(new IcecreamBackend(ice, dir).env().get("ICECC_TEST_REMOTEBUILD"), "not in test mode");
        assertEquals("mkdir -p o && icecc $CC -c a.c -o o/a.o", b.command("mkdir -p o && $CC -c a.c -o o/a.o"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'  - {name: i, kind: icecream}'|2:5: a host of kind icecream needs 'scheduler: ADDRESS[:PORT]'",
        "'  - {name: i, kind: icecream, scheduler: \"a b\"}'|2:42: scheduler must be ADDRESS or ADDRESS:PORT",
        "'  - {name: i, kind: icecream, scheduler: s:99999}'|2:42: the scheduler's port must be a whole number",
        "'  - {name: i, kind: icecream, scheduler: s, socket: rel/sock}'|2:53: socket must be an absolute path",
        "'  - {name: i, kind: icecream, scheduler: s, test-mode: yes}'|2:56: 'test-mode' is true or false",
        "'  - {name: i, kind: icecream, scheduler: s, address: a}'|2:45: a host of kind icecream takes no 'address'",
    })
    void badIcecreamHostsAreLocated(String line, String message) throws Exception {
        Path f = file("hosts:\n" + line + "\n");
        SpecException e = assertThrows(SpecException.class, () -> HostsFile.load(f));
        assertTrue(e.getMessage().startsWith(f + ":" + message), e.getMessage());
    }

    @Test
    void aRefusalIsTheHostsFaultAndACompileErrorIsNot() {
        FarmHost host = new FarmHost("d1", "distcc", "127.0.0.1", 3632, null, 2);
        List<String> probed = new ArrayList<>();
        DistccBackend b = new DistccBackend(host, dir, probed::add);
        assertEquals("127.0.0.1:3632/2", b.env().get("DISTCC_HOSTS"));
        assertEquals("0", b.env().get("DISTCC_FALLBACK"));
        List<Object> posted = new ArrayList<>();
        Exit refused = new Exit("a", "d1", 1, 116, null, Exit.CAUSE_EXIT, List.of(), 12, null);
        Exit judged = b.ended(refused, "", posted::add);
        assertEquals(Exit.CAUSE_HOST_LOST, judged.cause());
        assertEquals(List.of("d1"), probed, "the sampler looks at the distccd at once");
        assertEquals(1, posted.size());
        Exit error = new Exit("a", "d1", 1, 1, null, Exit.CAUSE_EXIT, List.of(), 12, null);
        assertEquals(error, b.ended(error, "a.c:1: error", posted::add), "a compile error is the action's");
    }
}
