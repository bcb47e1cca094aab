package io.fester.hosts;

import io.fester.timeline.EventCodec;
import io.fester.timeline.NodeEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The host agent script {@code agent-scripts/fester-agent.sh}, shipped inside Fester's jar and
 * written out once per process to run it.
 */
public final class AgentScript {
    static final String RESOURCE = "/agent-scripts/fester-agent.sh";
    private static Path extracted;

    private AgentScript() {}

    /** The script as a file on this machine. */
    public static synchronized Path path() throws IOException {
        if (extracted == null || !Files.exists(extracted)) {
            Path f = Files.createTempFile("fester-agent-", ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (InputStream in = AgentScript.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException("the agent script is missing from Fester's jar (" + RESOURCE + ")");
                }
                Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            }
            f.toFile().deleteOnExit();
            extracted = f;
        }
        return extracted;
    }

    /** The script's text. */
    public static byte[] bytes() throws IOException {
        return Files.readAllBytes(path());
    }

    /** Runs {@code fester-agent.sh sample} here and parses its line (host name left null). */
    public static NodeEvent sampleLocal(Path workspace) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", path().toString(), "sample");
        pb.environment().put("FESTER_WORKSPACE", workspace.toString());
        pb.redirectErrorStream(true);
        OrphanGuard.adopt(pb);
        return parse(BoundedCommand.output(pb, SAMPLE_TIMEOUT_MS, "the agent script's sample"), null);
    }

    /** How long one local sample may take. */
    static final long SAMPLE_TIMEOUT_MS = 10_000;

    /** Parses one sample line of the agent script. */
    public static NodeEvent parse(String line, String host) throws IOException {
        NodeEvent e = EventCodec.MAPPER.readValue(line, NodeEvent.class);
        return e.forHost(host, null);
    }
}
