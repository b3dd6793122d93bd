package dev.tributary.actors.master;

import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import java.util.List;

/**
 * The driver's schedule.
 *
 * @param iterations         the last iteration to run (iterations are numbered from 1)
 * @param samplesPerPrompt   k, the group size
 * @param tokenBudget        tokens a trajectory may generate per iteration before it is cut and resumed later
 * @param maxResponseTokens  tokens a trajectory may generate over all its iterations
 * @param seed               the run seed, from which every trajectory's random stream is derived
 * @param heldOut            prompts evaluated every {@code evalEvery} iterations and after the last (empty: none)
 * @param checkpointEvery    a checkpoint after every this many iterations and after the last; 0 never
 * @param batchesPerWorker   batches an iteration's jobs are cut into per live worker, for work pulling. A worker's
 *                           consumer holds at most two unconfirmed batches (see
 *                           {@link dev.tributary.actors.rollout.RolloutWork#consumer}), so 2 fills every worker's
 *                           window evenly instead of leaving the split to the producer's random choice
 */
public record MasterSettings(int iterations, int promptsPerIteration, int samplesPerPrompt, int tokenBudget,
                             int maxResponseTokens, long seed, List<Prompt> heldOut, int evalEvery, int evalMaxTokens,
                             int checkpointEvery, int batchesPerWorker) {
    public MasterSettings {
        Require.positive(iterations, "iterations");
        Require.positive(promptsPerIteration, "prompts per iteration");
        Require.positive(samplesPerPrompt, "samples per prompt");
        Require.positive(tokenBudget, "token budget");
        Require.positive(maxResponseTokens, "max response tokens");
        heldOut = List.copyOf(heldOut);
        Require.positive(evalEvery, "evaluation interval");
        Require.positive(evalMaxTokens, "evaluation max tokens");
        Require.nonNegative(checkpointEvery, "checkpoint interval");
        Require.positive(batchesPerWorker, "batches per worker");
    }

    boolean evaluates(int iteration) {
        return !heldOut.isEmpty() && (iteration % evalEvery == 0 || iteration == iterations);
    }

    boolean checkpoints(int iteration) {
        return checkpointEvery > 0 && (iteration % checkpointEvery == 0 || iteration == iterations);
    }
}
