package dev.tributary.actors.master;

import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.model.PolicyVersion;
import java.util.List;
import java.util.Map;

/**
 * The master's side of a checkpoint, in two phases: first every stateful role writes its own part where it lives
 * (the trainer its weights and optimizer, the replay buffer its contents, unfinished trajectories included); then
 * {@link #commit} checks each part and writes the master's own state and the manifest that makes the checkpoint
 * complete. A checkpoint is complete or absent. The master calls it on the blocking dispatcher after the
 * iterations its settings name; the next iteration starts once it returns, and a failure fails the run:
 * continuing without the checkpoint the user asked for would lose work silently.
 */
@FunctionalInterface
public interface Checkpointer {
    /** No checkpoints: the master never asks the roles for their parts. */
    Checkpointer NONE = (state, parts) -> {
        throw new IllegalStateException("checkpoints are off");
    };

    void commit(RunState state, List<PartReply.Written> parts) throws Exception;

    /**
     * The master's part: where the run stands after {@code iteration} ({@code version} is the trainer's) and the
     * sampler's statistics, and the first rollout round to send after it ({@code iteration + 1}, or later where
     * the asynchronous driver had sent rounds ahead). Random streams are derived from the run seed, the round and
     * trajectory ids, so they need no saved state.
     */
    record RunState(int iteration, PolicyVersion version, Map<String, double[]> samplerStats, int nextRound) {
        public RunState {
            if (nextRound <= iteration) {
                throw new IllegalArgumentException("the next round " + nextRound + " must come after iteration "
                        + iteration);
            }
        }

        /** Rounds are iterations: the next round is the next iteration. */
        public RunState(int iteration, PolicyVersion version, Map<String, double[]> samplerStats) {
            this(iteration, version, samplerStats, iteration + 1);
        }
    }
}
