package dev.tributary.actors.rollout;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest weights a rollout worker fetched in the background while its engine generates (asynchronous RL's
 * in-flight updates): the worker offers them, its engine takes them between two decode steps. Shared by the worker
 * actor and its engine's thread; holds one version at most (the newest offered).
 */
public final class InflightWeights {
    private final AtomicReference<FlatWeights> newest = new AtomicReference<>();

    /** Keeps {@code weights} unless weights at least as new are already waiting. */
    public void offer(FlatWeights weights) {
        newest.accumulateAndGet(weights, (held, offered) -> held != null
                && held.version().compareTo(offered.version()) >= 0 ? held : offered);
    }

    /** The waiting weights if they are newer than {@code than}, taken; null otherwise (never waits). */
    public FlatWeights takeNewerThan(PolicyVersion than) {
        return take(than, false);
    }

    /** The waiting weights if they are of version {@code v} or newer, taken; null otherwise. */
    public FlatWeights takeAtLeast(PolicyVersion v) {
        return take(v, true);
    }

    private FlatWeights take(PolicyVersion bound, boolean equalToo) {
        while (true) {
            FlatWeights w = newest.get();
            int c = w == null ? -1 : w.version().compareTo(bound);
            if (c < 0 || c == 0 && !equalToo) {
                return null;
            }
            if (newest.compareAndSet(w, null)) {
                return w;
            }
        }
    }

    /** The version waiting, or null. */
    public PolicyVersion waiting() {
        FlatWeights w = newest.get();
        return w == null ? null : w.version();
    }
}
