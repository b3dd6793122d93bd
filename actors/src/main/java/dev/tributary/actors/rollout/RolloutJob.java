package dev.tributary.actors.rollout;

import dev.tributary.model.Require;
import dev.tributary.model.Trajectory;
import java.util.Objects;

/**
 * Generate for {@code trajectory} (fresh, or unfinished and resumed from its prefix) for at most
 * {@code tokenBudget} tokens this iteration. {@code seed} is the trajectory's own random stream, the same on every
 * resume, so a partial rollout continues exactly as an uninterrupted one would. When {@code lastChunk} is set the
 * budget is what remains of the run's maximum response length: running out of it ends the trajectory
 * ({@link dev.tributary.model.FinishReason#MAX_LENGTH}) instead of leaving it to be resumed.
 */
public record RolloutJob(Trajectory trajectory, int tokenBudget, long seed, boolean lastChunk) {
    public RolloutJob {
        Objects.requireNonNull(trajectory, "rollout job trajectory");
        Require.positive(tokenBudget, "token budget of job " + trajectory.id());
        if (trajectory.finished()) {
            throw new IllegalArgumentException("trajectory " + trajectory.id() + " is finished; nothing to roll out");
        }
    }

    /**
     * The job for {@code trajectory} under a per-iteration {@code tokenBudget} and a cap of
     * {@code maxResponseTokens} over the whole response.
     */
    public static RolloutJob of(Trajectory trajectory, int tokenBudget, int maxResponseTokens, long seed) {
        int remaining = maxResponseTokens - trajectory.responseLength();
        if (remaining <= 0) {
            throw new IllegalArgumentException("trajectory " + trajectory.id() + " already has "
                    + trajectory.responseLength() + " response tokens, the maximum is " + maxResponseTokens);
        }
        return new RolloutJob(trajectory, Math.min(tokenBudget, remaining), seed, remaining <= tokenBudget);
    }

    public boolean resumed() {
        return !trajectory.segments().isEmpty();
    }
}
