package dev.tributary.actors.replay;

import dev.tributary.model.Trajectory;
import dev.tributary.model.registry.Registry;
import java.util.List;

/**
 * Plug-in {@code tributary.replay.store}: what the replay buffer holds and what it hands to training. The buffer
 * actor owns the protocol, back-pressure ({@link #size()} against {@code tributary.replay.capacity}) and the
 * duplicate filter, so a store sees each trajectory once: finished ones scored, unfinished ones (cut by the token
 * budget) to be handed back for resumption. Called from the buffer actor only, one call at a time. Built in:
 * {@code groups}, which hands over every prompt group once all k samples are in.
 *
 * <p>A store may hold groups back for a later batch or let them go ({@link #takeEvicted()}); in the synchronous
 * driver every group it neither hands over nor evicts stays in the buffer and counts against its capacity.
 */
public interface ReplayStore {
    /** The setting that names the store; a store's settings live under {@code tributary.replay.<name>}. */
    String KEY = "tributary.replay.store";

    /** Holds {@code trajectory}, which the store has not seen in this form before. */
    void add(Trajectory trajectory);

    /** Removes and returns the groups to train on now, each one prompt's samples. */
    List<List<Trajectory>> takeGroups();

    /**
     * As {@link #takeGroups()}, at most {@code max} of them (the oldest first); the rest stay in the store. The
     * default hands over every group ({@link #takeGroups()}): the buffer then holds the ones beyond {@code max}
     * itself, outside the store, until a later batch takes them.
     */
    default List<List<Trajectory>> takeGroups(int max) {
        return takeGroups();
    }

    /**
     * How many complete groups {@link #takeGroups()} would hand over now, or -1 where the store cannot tell without
     * handing them over (the default).
     */
    default int completeGroups() {
        return -1;
    }

    /** Removes and returns every unfinished trajectory, to be resumed. */
    List<Trajectory> takeUnfinished();

    /** Removes and returns what the store dropped since the last call (the buffer forgets their ids). */
    default List<Trajectory> takeEvicted() {
        return List.of();
    }

    /** Everything held, for checkpoints; adding these to an empty store restores it. */
    List<Trajectory> contents();

    /**
     * Lets go of everything held (the run rewinds to a checkpoint, whose contents are then added). The default
     * takes what the other methods hand out and refuses a store that still holds something after that.
     */
    default void clear() {
        takeUnfinished();
        takeGroups();
        takeEvicted();
        if (size() > 0) {
            throw new UnsupportedOperationException("replay store " + getClass().getName() + " still holds " + size()
                    + " trajectories after handing out what it would; implement ReplayStore.clear() to rewind it");
        }
    }

    /** How many trajectories are held. */
    int size();

    /**
     * What a store factory receives besides its settings.
     *
     * @param groupSize           k, the samples per prompt
     * @param promptsPerIteration prompts started per iteration (groups a batch holds when all complete)
     */
    record Context(int groupSize, int capacity, int promptsPerIteration) {
    }

    /** The built-in store: groups handed over once complete, in order of completion. */
    static ReplayStore grouped(int groupSize) {
        return new GroupedStore(groupSize);
    }

    static Registry<Context, ReplayStore> registry() {
        return new Registry<>(KEY, ReplayStore.class, Context.class)
                .register("groups", (c, ctx) -> grouped(ctx.groupSize()));
    }
}
