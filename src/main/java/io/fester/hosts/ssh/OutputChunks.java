package io.fester.hosts.ssh;

import io.fester.hosts.LocalExecutor;
import io.fester.timeline.Event;
import io.fester.timeline.Output;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One stream of a remote action, posted as {@code output} observations as it arrives: UTF-8 decoded
 * across packet boundaries, at most {@link LocalExecutor#OUTPUT_CAP} characters kept (as for local
 * actions), then the count of what was dropped. Written by the SSH I/O thread, finished by the
 * action's thread after the channel has closed.
 */
final class OutputChunks extends OutputStream {
    private final String action;
    private final String stream;
    private final int attempt;
    private final Consumer<Event> sink;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private long kept;
    private long dropped;
    private boolean finished;

    OutputChunks(String action, String stream, int attempt, Consumer<Event> sink) {
        this.action = action;
        this.stream = stream;
        this.attempt = attempt;
        this.sink = sink;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (finished || len == 0) {
            return;
        }
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + len);
        in.put(pending).put(b, off, len).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in.slice(); // an incomplete character waits for the next packet
        emit(out.flip());
    }

    private void emit(CharBuffer chars) {
        int n = chars.remaining();
        if (n == 0) {
            return;
        }
        if (kept < LocalExecutor.OUTPUT_CAP) {
            int take = (int) Math.min(n, LocalExecutor.OUTPUT_CAP - kept);
            if (take < n && take > 0 && Character.isHighSurrogate(chars.charAt(take - 1))) {
                take--; // the cap falls inside a character (a surrogate pair): it is not recorded at all
            }
            if (take > 0) {
                sink.accept(new Output(action, stream, chars.subSequence(0, take).toString(), attempt));
            }
            kept = take < n ? LocalExecutor.OUTPUT_CAP : kept + take; // once cut, nothing more is recorded
            dropped += n - take;
        } else {
            dropped += n;
        }
    }

    /** Counts bytes that were not even read (beyond what is worth reading); reported at the end. */
    synchronized void skipped(long bytes) {
        dropped += bytes;
    }

    /** Posts what is left (an incomplete character, the count of what was dropped); nothing after it. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        emit(out.flip());
        finished = true;
        if (dropped > 0) {
            sink.accept(new Output(action, stream, "\n[fester: " + dropped + " more characters of " + stream
                    + " not recorded]\n", attempt));
        }
    }
}
