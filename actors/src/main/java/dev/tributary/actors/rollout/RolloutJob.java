package dev.tributary.actors.rollout;

import dev.tributary.model.Require;
import dev.tributary.model.Trajectory;
import java.util.Objects;

/**
 * Generate for {@code trajectory} (fresh, or unfinished and resumed from its prefix) for at most
 * {@code tokenBudget} tokens this iteration. {@code seed} is the trajectory's own random stream, the same on every
 * resume, so a partial rollout continues exactly as an uninterrupted one would.
 */
public record RolloutJob(Trajectory trajectory, int tokenBudget, long seed) {
    public RolloutJob {
        Objects.requireNonNull(trajectory, "rollout job trajectory");
        Require.positive(tokenBudget, "token budget of job " + trajectory.id());
        if (trajectory.finished()) {
            throw new IllegalArgumentException("trajectory " + trajectory.id() + " is finished; nothing to roll out");
        }
    }

    public boolean resumed() {
        return !trajectory.segments().isEmpty();
    }
}
