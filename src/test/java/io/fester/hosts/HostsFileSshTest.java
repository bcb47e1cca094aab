package io.fester.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.graph.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SSH hosts in hosts.yaml: their fields, and bad values refused where they stand. */
class HostsFileSshTest {
    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        return Files.writeString(dir.resolve("hosts.yaml"), text);
    }

    @Test
    void aHostWithoutLocalIsAnSshHostWhoseConnectionStaysOutOfTheRecordedSpec() throws Exception {
        HostsFile h = HostsFile.load(file("""
                hosts:
                  - name: b1
                    address: 10.1.2.3
                    port: 2222
                    user: build
                    identity: ~/.ssh/id_ed25519
                    slots: 8
                    workspace: /var/tmp/fester
                    tags: [x86_64, bigmem]
                    toolchain: any
                  - {name: alias-only, toolchain: same}
                  - {name: here, local: true, slots: 2}
                """));
        assertEquals(List.of("b1", "alias-only", "here"), h.hosts().stream().map(s -> s.name()).toList());
        assertFalse(h.hosts().get(0).local());
        assertEquals(8, h.hosts().get(0).slots());
        assertEquals(List.of("x86_64", "bigmem"), h.hosts().get(0).tags());
        assertTrue(h.hosts().get(0).anyToolchain(), "toolchain: any");
        assertFalse(h.hosts().get(1).anyToolchain(), "toolchain: same is the default");
        Path f = dir.resolve("hosts.yaml");
        assertEquals(new RemoteHost("b1", "10.1.2.3", 2222, "build", "~/.ssh/id_ed25519", "/var/tmp/fester", null,
                "address in " + f + ":3:14"), h.remote("b1"));
        assertEquals(new RemoteHost("alias-only", null, null, null, null, null, null, h.remote("alias-only").source()),
                h.remote("alias-only"));
        assertTrue(h.remote("alias-only").source().startsWith("name in " + f + ":"), h.remote("alias-only").source());
        assertTrue(h.hosts().get(2).local());
        assertNull(h.remote("here"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'  - {name: b1, port: 70000}'|2:22: port must be a whole number from 1 to 65535",
        "'  - {name: b1, port: ssh}'|2:22: port must be a whole number from 1 to 65535",
        "'  - {name: b1, user: \"\"}'|2:22: 'user' must not be empty",
        "'  - {name: b1, workspace: /}'|2:27: workspace must be a directory of its own",
        "'  - {name: b1, address: -oProxyCommand=x}'|2:25: address must be a host name or an IP address",
        "'  - {name: b1, local: yes}'|2:23: 'local' is true or false",
        "'  - {name: b1, toolchain: other}'|2:27: toolchain is 'same'",
        "'  - {name: b1, local: true, address: 10.0.0.1}'|2:29: a local host takes no 'address'",
    })
    void badSshHostValuesAreLocated(String line, String message) throws Exception {
        Path f = file("hosts:\n" + line + "\n");
        SpecException e = assertThrows(SpecException.class, () -> HostsFile.load(f));
        assertTrue(e.getMessage().startsWith(f + ":" + message), e.getMessage());
    }

    @Test
    void aPolicyNamingAHostThatDoesNotExistIsLocatedWithTheKnownHosts() throws Exception {
        Path f = file("""
                hosts:
                  - {name: l1, local: true}
                  - {name: l2, local: true}
                policy:
                  - forbid: { hosts: [l9] }
                """);
        SpecException e = assertThrows(SpecException.class, () -> HostsFile.load(f));
        assertEquals(f + ":5:23: unknown host 'l9' (the hosts are: l1, l2)", e.getMessage());
        Path ok = file("hosts:\n  - {name: l1, local: true}\npolicy:\n  - {require: {hosts: [l1]}}\n");
        assertEquals(1, HostsFile.load(ok).policy().size());
    }

    @Test
    void aMisspeltHostKeyListsTheKnownKeys() throws Exception {
        Path f = file("hosts:\n  - name: l1\n    local: true\n    slotz: 2\n");
        SpecException e = assertThrows(SpecException.class, () -> HostsFile.load(f));
        assertEquals(f + ":4:5: unknown host key 'slotz' (known: address, container, environment, identity, kind, local, "
                + "lxcpath, name, port, sandbox, scheduler, slots, socket, stats-port, tags, test-mode, toolchain, user, workspace)", e.getMessage());
    }
}
