package dev.tributary.actors.master;

import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.Trajectory;
import java.util.List;
import java.util.Map;

/**
 * Persists the state of a run between iterations. The master gathers a {@link RunState} after the iterations its
 * settings name and calls {@link #save} on the blocking dispatcher; the next iteration starts once it returns. A
 * failed save fails the run: continuing without the checkpoint the user asked for would lose work silently.
 */
@FunctionalInterface
public interface Checkpointer {
    Checkpointer NONE = state -> { };

    void save(RunState state) throws Exception;

    /**
     * Everything needed to continue after {@code iteration}: the trainer's weights and optimizer, the replay
     * buffer's content (unfinished trajectories and partial groups) and the sampler's statistics. Random streams
     * are derived from the run seed, the iteration and trajectory ids, so they need no saved state.
     */
    record RunState(int iteration, Trainer.Snapshot trainer, List<Trajectory> replay,
                    Map<String, double[]> samplerStats) {
    }
}
