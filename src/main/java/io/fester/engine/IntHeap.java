package io.fester.engine;

/**
 * A binary min-heap of int indexes (actions, tasks) on a primitive array, ordered by a predicate: no
 * boxing on the simulator's and the list scheduler's hot paths. Not thread-safe.
 */
final class IntHeap {
    /** Which of two indexes comes first. */
    interface Before {
        boolean test(int a, int b);
    }

    private final int[] heap;
    private final Before before;
    private int size;

    IntHeap(int capacity, Before before) {
        this.heap = new int[Math.max(1, capacity)];
        this.before = before;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int peek() {
        return heap[0];
    }

    void add(int x) {
        int k = size++;
        while (k > 0) {
            int parent = (k - 1) >>> 1;
            int p = heap[parent];
            if (!before.test(x, p)) {
                break;
            }
            heap[k] = p;
            k = parent;
        }
        heap[k] = x;
    }

    int poll() {
        int top = heap[0];
        int last = heap[--size];
        int k = 0;
        int half = size >>> 1;
        while (k < half) {
            int c = 2 * k + 1;
            int r = c + 1;
            if (r < size && before.test(heap[r], heap[c])) {
                c = r;
            }
            if (!before.test(heap[c], last)) {
                break;
            }
            heap[k] = heap[c];
            k = c;
        }
        if (size > 0) {
            heap[k] = last;
        }
        return top;
    }
}
