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

    /** @param onBatch runs on the FX thread with the events of one frame, in order */
    EventPump(Consumer<List<Recorded>> onBatch) {
        this.timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (queue.isEmpty()) {
                    return;
                }
                List<Recorded> batch = new ArrayList<>();
                Recorded r;
                while ((r = queue.poll()) != null) {
                    batch.add(r);
                }
                onBatch.accept(batch);
            }
        };
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
