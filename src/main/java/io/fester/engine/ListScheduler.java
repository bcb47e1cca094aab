package io.fester.engine;

/**
 * Plain list scheduling on identical slots, on primitive arrays: whenever slots are free, the ready
 * task of highest priority starts (ties: lower index). All tasks ending at a time are finished before
 * that time's starts are chosen. The plan search uses it for the backward passes of its
 * forward-backward improvement (on the reversed graph), where no engine is involved; every forward
 * pass is a real simulation.
 */
final class ListScheduler {

    /** A task's neighbours. */
    interface Adjacency {
        int[] of(int task);
    }

    private ListScheduler() {}

    /**
     * Start times of a non-delay list schedule.
     *
     * @param preds what each task waits for
     * @param succs what waits for each task
     * @param slots identical slots, at least 1
     * @param priority higher starts first
     */
    static long[] schedule(int n, Adjacency preds, Adjacency succs, long[] duration, int slots, long[] priority) {
        int[] remaining = new int[n];
        long[] start = new long[n];
        long[] finish = new long[n];
        IntHeap ready = new IntHeap(n, (a, b) -> priority[a] != priority[b] ? priority[a] > priority[b] : a < b);
        IntHeap running = new IntHeap(n, (a, b) -> finish[a] != finish[b] ? finish[a] < finish[b] : a < b);
        for (int i = 0; i < n; i++) {
            remaining[i] = preds.of(i).length;
            if (remaining[i] == 0) {
                ready.add(i);
            }
        }
        int free = Math.max(1, slots);
        long now = 0;
        while (true) {
            while (free > 0 && !ready.isEmpty()) {
                int i = ready.poll();
                start[i] = now;
                finish[i] = now + duration[i];
                running.add(i);
                free--;
            }
            if (running.isEmpty()) {
                return start;
            }
            now = finish[running.peek()];
            while (!running.isEmpty() && finish[running.peek()] == now) {
                int i = running.poll();
                free++;
                for (int j : succs.of(i)) {
                    if (--remaining[j] == 0) {
                        ready.add(j);
                    }
                }
            }
        }
    }
}
