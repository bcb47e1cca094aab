package io.fester.uptodate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Values kept by key within a budget of bytes, the least recently used dropped first (ADR 0085): what a
 * process serving terminals keeps between builds (parsed manifests, read stamps) grows with the files it was
 * read from, not with how many there are. A value bigger than the whole budget is not kept. Not thread-safe:
 * its owner holds its own lock around every call.
 *
 * @param <K> the key
 * @param <V> the value kept
 */
public final class KeptByBytes<K, V> {
    private record Entry<V>(V value, long bytes) {}

    private final Map<K, Entry<V>> kept = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** The value kept under the key (now the most recently used), or null. */
    public V get(K key) {
        Entry<V> e = kept.get(key);
        return e == null ? null : e.value();
    }

    /** Forgets the key's value. */
    public void remove(K key) {
        Entry<V> e = kept.remove(key);
        if (e != null) {
            bytes -= e.bytes();
        }
    }

    /**
     * Keeps the value in place of the key's, unless its size is negative (not to be kept) or over the budget
     * (then the key keeps nothing); then drops the least recently used until the kept bytes are within the budget.
     */
    public void put(K key, V value, long size, long budget) {
        remove(key);
        if (size < 0 || size > budget) {
            return;
        }
        kept.put(key, new Entry<>(value, size));
        bytes += size;
        for (var eldest = kept.values().iterator(); bytes > budget && eldest.hasNext(); ) {
            bytes -= eldest.next().bytes();
            eldest.remove();
        }
    }

    /** Forgets everything. */
    public void clear() {
        kept.clear();
        bytes = 0;
    }

    /** How many values are kept, and their bytes. */
    public long[] counts() {
        return new long[] {kept.size(), bytes};
    }
}
