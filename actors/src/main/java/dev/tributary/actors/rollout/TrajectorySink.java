package dev.tributary.actors.rollout;

import dev.tributary.model.Trajectory;

/**
 * Where rollout workers put each trajectory as soon as its segment is done. {@link #emit} blocks while the
 * downstream stages are full: that is the back-pressure that slows generation instead of growing memory.
 */
@FunctionalInterface
public interface TrajectorySink {
    void emit(Trajectory trajectory) throws InterruptedException;
}
