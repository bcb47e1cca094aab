package io.fester.graph;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * An unmodifiable map from names to values that keeps the order it was given, in two arrays: what
 * {@link PlainYaml} gives a mapping of a few keys (an action's id, run, deps, tags) instead of a
 * {@code LinkedHashMap} and its entries per mapping, which were a seventh of what a 50,000-action spec's load
 * allocated (ADR 0102). Lookups scan the names; a map of more than {@link #SCAN} names also keeps a hash index.
 * Equal to any {@link Map} with the same entries, as {@link AbstractMap} defines.
 */
final class SmallMap<V> extends AbstractMap<String, V> {
    /** Up to this many names a lookup compares them one by one. */
    static final int SCAN = 8;

    private final String[] names;
    private final Object[] values;
    private final int size;
    private final Map<String, Integer> index;

    /** The first {@code size} names and values, which the map takes (not copied); the names are distinct. */
    SmallMap(String[] names, Object[] values, int size) {
        this.names = names;
        this.values = values;
        this.size = size;
        if (size > SCAN) {
            index = new HashMap<>(size * 2);
            for (int i = 0; i < size; i++) {
                index.put(names[i], i);
            }
        } else {
            index = null;
        }
    }

    private int find(Object name) {
        if (index != null) {
            Integer i = index.get(name);
            return i == null ? -1 : i;
        }
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean containsKey(Object name) {
        return find(name) >= 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object name) {
        int i = find(name);
        return i < 0 ? null : (V) values[i];
    }

    /** The {@code i}-th value in the map's order. */
    @SuppressWarnings("unchecked")
    V valueAt(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return (V) values[i];
    }

    // Every change is refused, even one that would change nothing (a key already there, a key not there, an empty
    // map cleared), as Map.of's maps refuse them: AbstractMap and Map's defaults would quietly do nothing there.

    private static UnsupportedOperationException unmodifiable() {
        return new UnsupportedOperationException("a mapping read from a spec cannot be changed");
    }

    @Override
    public V put(String name, V value) {
        throw unmodifiable();
    }

    @Override
    public V putIfAbsent(String name, V value) {
        throw unmodifiable();
    }

    @Override
    public void putAll(Map<? extends String, ? extends V> m) {
        throw unmodifiable();
    }

    @Override
    public V remove(Object name) {
        throw unmodifiable();
    }

    @Override
    public boolean remove(Object name, Object value) {
        throw unmodifiable();
    }

    @Override
    public void clear() {
        throw unmodifiable();
    }

    @Override
    public V replace(String name, V value) {
        throw unmodifiable();
    }

    @Override
    public boolean replace(String name, V oldValue, V newValue) {
        throw unmodifiable();
    }

    @Override
    public void replaceAll(BiFunction<? super String, ? super V, ? extends V> f) {
        throw unmodifiable();
    }

    @Override
    public V computeIfAbsent(String name, Function<? super String, ? extends V> f) {
        throw unmodifiable();
    }

    @Override
    public V computeIfPresent(String name, BiFunction<? super String, ? super V, ? extends V> f) {
        throw unmodifiable();
    }

    @Override
    public V compute(String name, BiFunction<? super String, ? super V, ? extends V> f) {
        throw unmodifiable();
    }

    @Override
    public V merge(String name, V value, BiFunction<? super V, ? super V, ? extends V> f) {
        throw unmodifiable();
    }

    @Override
    public Set<Entry<String, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Entry<String, V>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<String, V> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(names[i], valueAt(i));
                    }
                };
            }
        };
    }
}
