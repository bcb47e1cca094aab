package io.fester.ui;

import io.fester.timeline.Recorded;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import javafx.animation.AnimationTimer;

/**
 * Hands events from the engine's loop thread to the FX thread, coalesced per frame: the loop only
 * enqueues (never waits), and once per pulse the FX thread takes everything queued as one batch.
 */
final class EventPump implements Consumer<Recorded> {
    private final ConcurrentLinkedQueue<Recorded> queue = new ConcurrentLinkedQueue<>();
    private final AnimationTimer timer;
    private final Consumer<List<Recorded>> onBatch;

    /** @param onBatch runs on the FX thread with the events of one frame, in order */
    EventPump(Consumer<List<Recorded>> onBatch) {
        this.onBatch = onBatch;
        this.timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                drain();
            }
        };
    }

    /**
     * On the FX thread: hands over at once what is queued, without waiting for the next pulse (what
     * follows the end of a run must see the run's last events folded).
     */
    void drain() {
        List<Recorded> batch = take();
        if (!batch.isEmpty()) {
            onBatch.accept(batch);
        }
    }

    /** What is queued, taken out (not handed over): its caller folds it itself. */
    List<Recorded> take() {
        List<Recorded> batch = new ArrayList<>();
        Recorded r;
        while ((r = queue.poll()) != null) {
            batch.add(r);
        }
        return batch;
    }

    /** Called on the loop thread for every recorded event. */
    @Override
    public void accept(Recorded r) {
        queue.add(r);
    }

    void start() {
        timer.start();
    }

    void stop() {
        timer.stop();
    }
}
