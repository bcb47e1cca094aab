package io.fester.hosts;

import io.fester.timeline.Event;
import io.fester.timeline.Output;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One stream of one attempt's output on its way to the timeline: at most {@link LocalExecutor#OUTPUT_CAP}
 * characters are recorded, the rest counted and said in one line at its end; a confined command's stderr is
 * also kept (up to {@code keepAtMost}) to say what its confinement refused. Fed characters (a reader of a
 * process's stream) or bytes (the spawner's frames: one UTF-8 decoder for the whole stream, so a character
 * whose bytes arrive in two frames is decoded whole). Not thread-safe: one feeder.
 */
final class CappedOutput {
    private final Consumer<Event> sink;
    private final String action;
    private final int attempt;
    private final String stream;
    private final StringBuilder keep;
    private final int keepAtMost;
    private long kept;
    private long dropped;
    private CharsetDecoder decoder;
    private ByteBuffer carry;
    private CharBuffer chars;
    private boolean ended;

    CappedOutput(Consumer<Event> sink, String action, int attempt, String stream, StringBuilder keep, int keepAtMost) {
        this.sink = sink;
        this.action = action;
        this.attempt = attempt;
        this.stream = stream;
        this.keep = keep;
        this.keepAtMost = keepAtMost;
    }

    /** Records (or counts) {@code n} characters of the stream. */
    void chars(char[] buf, int n) {
        if (ended || n <= 0) {
            return;
        }
        if (keep != null) {
            synchronized (keep) {
                if (keep.length() < keepAtMost) {
                    keep.append(buf, 0, Math.min(n, keepAtMost - keep.length()));
                }
            }
        }
        long cap = LocalExecutor.OUTPUT_CAP;
        if (kept < cap) {
            int take = (int) Math.min(n, cap - kept);
            if (take < n && take > 0 && Character.isHighSurrogate(buf[take - 1])) {
                take--; // the cap falls inside a character (a surrogate pair): it is not recorded at all
            }
            if (take > 0) {
                sink.accept(new Output(action, stream, new String(buf, 0, take), attempt));
            }
            kept = take < n ? cap : kept + take; // once cut, nothing more is recorded
            dropped += n - take;
        } else {
            dropped += n;
        }
    }

    /** Records (or counts) {@code len} bytes of the stream, decoded as UTF-8 (malformed bytes replaced). */
    void bytes(byte[] b, int off, int len) {
        if (ended) {
            return;
        }
        if (decoder == null) {
            decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            chars = CharBuffer.allocate(8192);
        }
        ByteBuffer in;
        if (carry == null) {
            in = ByteBuffer.wrap(b, off, len);
        } else {
            in = ByteBuffer.allocate(carry.remaining() + len);
            in.put(carry).put(b, off, len).flip();
        }
        decode(in, false);
        carry = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : null;
    }

    private void decode(ByteBuffer in, boolean last) {
        while (true) {
            CoderResult r = decoder.decode(in, chars, last);
            drain();
            if (!r.isOverflow()) {
                return;
            }
        }
    }

    private void drain() {
        chars.flip();
        chars(chars.array(), chars.remaining());
        chars.clear();
    }

    /** The stream ended: what a decoder still holds is recorded, then how much was not. */
    void end() {
        if (ended) {
            return;
        }
        if (decoder != null) {
            decode(carry == null ? ByteBuffer.allocate(0) : carry, true);
            carry = null;
            while (decoder.flush(chars).isOverflow()) {
                drain();
            }
            drain();
        }
        ended = true;
        if (dropped > 0) {
            sink.accept(new Output(action, stream, "\n[fester: " + dropped + " more characters of " + stream
                    + " not recorded]\n", attempt));
        }
    }
}
