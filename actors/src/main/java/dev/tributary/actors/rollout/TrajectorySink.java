package dev.tributary.actors.rollout;

import dev.tributary.model.Trajectory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where rollout workers put each trajectory as soon as its segment is done. {@link #emit} blocks while the
 * downstream stages are full: that is the back-pressure that slows generation instead of growing memory.
 */
@FunctionalInterface
public interface TrajectorySink {
    void emit(Trajectory trajectory) throws InterruptedException;

    /**
     * Completes once everything emitted before the call is stored downstream (in the replay buffer), or fails if
     * the stream broke first. A rollout batch is confirmed only after this, so a batch whose trajectories were
     * lost in flight is run again. A sink that stores synchronously is always flushed.
     */
    default CompletionStage<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }
}
