package io.fester.timeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Whole reads and writes at an offset of a file channel, for the journal's files: used by {@link Journal} and by
 * the lean no-op ({@code io.fester.cli.LeanNoop}, ADR 0129), so it is in {@code fester-client.jar} too and uses
 * {@code java.base} only.
 */
public final class Channels {
    private Channels() {}

    /** {@code n} bytes from {@code at} (fewer read at the file's end are left as zeros). */
    public static byte[] read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return b.array();
    }

    /** All of {@code bytes}, written from {@code at}. */
    public static void writeAll(FileChannel ch, byte[] bytes, long at) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
    }
}
