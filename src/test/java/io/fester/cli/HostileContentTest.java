package io.fester.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fester.Cli;
import io.fester.FesterProcess;
import io.fester.IsolatedHome;
import io.fester.Samples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a build may throw at Fester on purpose: output links that lead out of the workspace (made
 * locally or sent back by an SSH host), escape sequences and HTML in names and output, secrets in the
 * environment, and a timeline that others on the machine could read.
 */
class HostileContentTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final IsolatedHome home = new IsolatedHome();

    private String db() {
        return dir.resolve("timeline").toString();
    }

    private static void assertNoTrace(Cli.Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.toString());
    }

    @Test
    void anOutputLinkOutOfTheWorkspaceFailsTheActionAndIsNotFollowed() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "do not read me\n");
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n"
                + "  - {id: leak, run: \"ln -s " + secret + " leak.txt\", outputs: [leak.txt]}\n"
                + "  - {id: inside, run: \"echo ok > real.txt && ln -s real.txt link.txt\", outputs: [real.txt, link.txt]}\n"
                + "  - {id: copy, run: \"cp leak.txt copy.txt\", inputs: [leak.txt], outputs: [copy.txt]}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "-j", "1");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("fester: output 'leak.txt' is a symbolic link to " + secret
                + ", outside the workspace: Fester does not follow links out of the workspace"), r.err());
        assertTrue(r.err().contains("FAILED: leak"), r.err());
        assertTrue(r.err().contains("] inside (local"), "a link inside is fine: " + r.err());
        assertFalse(Files.exists(spec.resolveSibling("copy.txt")), "nothing built on the refused output");
        String stamps = Files.exists(spec.resolveSibling(".fester_stamps"))
                ? Files.readString(spec.resolveSibling(".fester_stamps")) : "";
        assertFalse(stamps.contains("\"leak\""), "the refused action is not stamped: " + stamps);
        assertEquals(0, Cli.run(db(), "verify", "last").code());
        assertNoTrace(r);
    }

    @Test
    void escapeSequencesInOutputNeverReachTheTerminalRaw() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: noisy, run: "printf '\\\\033]0;pwned\\\\007\\\\033[2J\\\\033[31mred\\\\033[0m done\\\\r\\\\n'"}
                  - {id: bad, run: "printf '\\\\033[1;1H\\\\033[Kfake success\\\\n'; exit 3"}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "-j", "1");
        assertEquals(1, r.code(), r.toString());
        assertFalse(r.err().contains("\u001b") || r.err().contains("\u0007"), "no raw escape: " + r.err());
        assertTrue(r.err().contains("\\x1b]0;pwned\\x07\\x1b[2Jred done"), "shown, colour dropped: " + r.err());
        assertTrue(r.err().contains("\\x1b[1;1H\\x1b[Kfake success"), r.err());
        Cli.Result events = Cli.run(db(), "events", "last", "--type", "output");
        assertTrue(events.out().contains("\\u001B]0;pwned"), "the record keeps what the action printed: " + events.out());
    }

    @Test
    void htmlInActionNamesAndOutputIsEscapedInTheReport() throws Exception {
        Path manifest = Samples.spec(dir, "n/build.ninja", """
                rule w
                  command = echo '<script>alert(1)</script>'; exit 1
                build <svg$ onload=alert(2)>.txt: w
                """);
        Cli.Result r = Cli.run(db(), "run", manifest.toString());
        assertEquals(1, r.code(), r.toString());
        Path html = dir.resolve("report.html");
        assertEquals(0, Cli.run(db(), "report", "last", "-o", html.toString()).code());
        String page = Files.readString(html);
        assertFalse(page.contains("<script>alert(1)"), "output escaped");
        assertFalse(page.contains("<svg onload=alert(2)>"), "the action's name escaped");
        assertTrue(page.contains("&lt;svg onload=alert(2)&gt;"), "and still shown");
        assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "and its output shown");
    }

    @Test
    void secretsOfTheSpecAreRedactedInTheRecordButTheActionGetsThem() throws Exception {
        String token = "ghp_s3cr3tVALUE1234567890";
        Path spec = Samples.spec(dir, "w/fester.yaml", "env: {GITHUB_TOKEN: " + token + ", DB_PASSWORD: hunter2hunter2, "
                + "CC: gcc}\n"
                + "actions:\n"
                + "  - {id: use, run: 'echo \"$GITHUB_TOKEN\" > got.txt && echo \"token is $GITHUB_TOKEN\"', "
                + "outputs: [got.txt]}\n"
                + "  - {id: fail, run: 'echo \"pw $DB_PASSWORD\"; exit 1'}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "-j", "1");
        assertEquals(1, r.code(), r.toString());
        assertEquals(token + "\n", Files.readString(spec.resolveSibling("got.txt")), "the action got the real value");
        Cli.Result events = Cli.run(db(), "events", "last");
        assertFalse(events.out().contains(token) || events.out().contains("hunter2hunter2"), events.out());
        assertTrue(events.out().contains("\"GITHUB_TOKEN\":\"<redacted>\""), "which key was redacted is recorded");
        assertTrue(events.out().contains("\"DB_PASSWORD\":\"<redacted>\""), events.out());
        assertTrue(events.out().contains("\"CC\":\"gcc\""), "other variables are kept: " + events.out());
        assertTrue(events.out().contains("token is <redacted:GITHUB_TOKEN>"), "output scrubbed: " + events.out());
        assertTrue(events.out().contains("pw <redacted:DB_PASSWORD>"), events.out());
        for (String kind : List.of("html", "json")) {
            Path report = dir.resolve("report." + kind);
            assertEquals(0, Cli.run(db(), "report", "last", "--format", kind, "-o", report.toString()).code());
            String text = Files.readString(report);
            assertFalse(text.contains(token) || text.contains("hunter2hunter2"), kind + " report: no secret");
        }
        assertFalse(r.err().contains(token), "nor the progress on the terminal: " + r.err());
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "a redacted run still verifies");
    }

    @Test
    void aSecretWrittenInTwoWritesWithAPauseIsStillCut() throws Exception {
        String token = "ghp_SPLITs3cr3t0987654321";
        // two writes of the shell's printf, half a second apart: two output chunks, the secret split between them
        Path spec = Samples.spec(dir, "w/fester.yaml", "env: {GITHUB_TOKEN: " + token + "}\n"
                + "actions:\n"
                + "  - {id: split, run: 'printf \"auth=%s\" \"$(printf %s \"$GITHUB_TOKEN\" | cut -c1-9)\"; sleep 0.5; "
                + "printf \"%s end\\\\n\" \"$(printf %s \"$GITHUB_TOKEN\" | cut -c10-)\"; printf ghp_SPL'}\n");
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "-j", "1");
        assertEquals(0, r.code(), r.toString());
        Cli.Result events = Cli.run(db(), "events", "last");
        assertFalse(events.out().contains(token) || events.out().contains("SPLITs3cr3t") || events.out().contains(
                "0987654321"), "no part of the secret is recorded: " + events.out());
        StringBuilder printed = new StringBuilder();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : events.out().lines().filter(l -> l.startsWith("{")).toList()) {
            com.fasterxml.jackson.databind.JsonNode e = json.readTree(line);
            if (e.has("text") && "split".equals(e.path("action").asText())) {
                printed.append(e.get("text").asText());
            }
        }
        assertEquals("auth=<redacted:GITHUB_TOKEN> end\nghp_SPL", printed.toString(), "the output, whole: "
                + events.out());
        Path report = dir.resolve("split-report.html");
        assertEquals(0, Cli.run(db(), "report", "last", "--format", "html", "-o", report.toString()).code());
        assertFalse(Files.readString(report).contains("SPLITs3cr3t"), "nor in the report");
        assertEquals(0, Cli.run(db(), "verify", "last").code(), "a redacted run still verifies");
    }

    @Test
    void secretsOfFestersOwnEnvironmentThatActionsInheritAreCutFromTheRecord() throws Exception {
        String key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        Path spec = Samples.spec(dir, "w/fester.yaml",
                "actions:\n  - {id: leak, run: 'echo \"key=$AWS_SECRET_ACCESS_KEY session=$AWS_SESSION_TOKEN\"'}\n");
        ProcessBuilder pb = FesterProcess.builder(List.of("-Duser.home=" + home.path()), "run", spec.toString(),
                "--db", db());
        pb.environment().put("AWS_SECRET_ACCESS_KEY", key);
        pb.environment().put("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLESESSION");
        Path log = dir.resolve("log.txt");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(log));
        Cli.Result events = Cli.run(db(), "events", "last", "--type", "output");
        assertTrue(events.out().contains("key=<redacted:AWS_SECRET_ACCESS_KEY> session=<redacted:AWS_SESSION_TOKEN>"),
                events.out());
        assertFalse(events.out().contains(key), events.out());
    }

    @Test
    void theTimelineAndFestersDataDirectoryAreTheOwnersAlone() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", "actions:\n  - {id: a, run: \"true\"}\n");
        Path data = home.path().resolve(".local/share/fester");
        Files.createDirectories(data); // made before, open to all: Fester closes it
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(0, Cli.run(null, "run", spec.toString()).code(), "the default database");
        assertEquals("rwx------", perms(data));
        assertEquals("rw-------", perms(data.resolve("timeline.mv.db")));
        Path mine = dir.resolve("new/deeper/timeline");
        assertEquals(0, Cli.run(mine.toString(), "run", spec.toString()).code(), "a database of its own");
        assertEquals("rwx------", perms(dir.resolve("new")), "directories Fester makes");
        assertEquals("rwx------", perms(dir.resolve("new/deeper")));
        assertEquals("rw-------", perms(dir.resolve("new/deeper/timeline.mv.db")));
        Path open = dir.resolve("shared/timeline.mv.db"); // a database made before with the umask's permissions
        Files.createDirectories(open.getParent());
        Files.copy(dir.resolve("new/deeper/timeline.mv.db"), open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, Cli.run(open.toString(), "runs").code());
        assertEquals("rw-------", perms(open), "closed when opened");
    }

    private static String perms(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    @Tag("ssh")
    void aLinkOutOfTheWorkspaceComingBackFromAnSshHostIsRefused() throws Exception {
        Path spec = Samples.spec(dir, "w/fester.yaml", """
                actions:
                  - {id: leak, run: "ln -s /etc/passwd leak.txt", outputs: [leak.txt]}
                  - {id: up, run: "mkdir -p sub && ln -s ../../outside sub/up.txt", outputs: [sub/up.txt]}
                  - {id: fine, run: "echo ok > real.txt && ln -s real.txt link.txt", outputs: [real.txt, link.txt]}
                """);
        Cli.Result r = Cli.run(db(), "run", spec.toString(), "--hosts", "demo");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("refused output 'leak.txt' from the host: a symbolic link to /etc/passwd, outside "
                + "the workspace"), r.err());
        assertTrue(r.err().contains("refused output 'sub/up.txt' from the host: a symbolic link to ../../outside"),
                r.err());
        Path ws = spec.getParent();
        assertFalse(Files.exists(ws.resolve("leak.txt"), LinkOption.NOFOLLOW_LINKS), "no link made here");
        assertFalse(Files.exists(ws.resolve("sub/up.txt"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(ws.resolve("link.txt")), "a link inside the workspace comes back as a link");
        assertEquals("ok\n", Files.readString(ws.resolve("link.txt"), StandardCharsets.UTF_8));
        assertNoTrace(r);
    }
}
