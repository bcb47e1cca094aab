package io.fester.hosts.ssh;

import io.fester.hosts.LocalExecutor;
import java.io.IOException;
import org.apache.sshd.sftp.client.SftpClient;

/**
 * Follows one remote file the agent writes an action's stdout or stderr to: each {@link #poll} reads
 * what was added since the last one (over the session's SFTP channel) into the stream's {@link
 * OutputChunks}. At most four times the recorded cap is read; the rest is only counted. Used by one
 * thread (the action's).
 */
final class RemoteTail implements AutoCloseable {
    private static final long READ_CAP = 4L * LocalExecutor.OUTPUT_CAP;

    private final SshSession session;
    private final String path;
    private final OutputChunks to;
    private SftpClient.Handle handle;
    private long offset;
    private final byte[] buf = new byte[32 * 1024];

    RemoteTail(SshSession session, String path, OutputChunks to) {
        this.session = session;
        this.path = path;
        this.to = to;
    }

    /** Reads what the file has gained. */
    void poll() throws IOException {
        SftpClient sftp = session.sftp();
        if (handle == null) {
            handle = sftp.open(path, SftpClient.OpenMode.Read);
        }
        while (offset < READ_CAP) {
            int n = sftp.read(handle, offset, buf, 0, (int) Math.min(buf.length, READ_CAP - offset));
            if (n <= 0) {
                return;
            }
            to.write(buf, 0, n);
            offset += n;
        }
        long size = sftp.stat(handle).getSize();
        if (size > offset) {
            to.skipped(size - offset);
            offset = size;
        }
    }

    @Override
    public void close() {
        if (handle != null && session.isOpen()) {
            try {
                session.sftp().close(handle);
            } catch (IOException e) {
                // the session is going away
            }
        }
        handle = null;
    }
}
