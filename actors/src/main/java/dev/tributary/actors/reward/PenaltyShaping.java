package dev.tributary.actors.reward;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Require;
import dev.tributary.model.Trajectory;
import dev.tributary.model.algo.LengthPenalty;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in shaping {@code penalties}: a fixed penalty for responses stopped for repetition (the paper says repeats "can be assigned additional penalties" without a value), and the paper's length penalty
 * within a prompt's group, weighted, once {@code iteration > lengthPenaltyWarmup}.
 */
record PenaltyShaping(double lengthPenaltyWeight, int lengthPenaltyWarmup, double repeatPenalty)
        implements RewardShaping {
    PenaltyShaping {
        if (!(lengthPenaltyWeight >= 0) || Double.isInfinite(lengthPenaltyWeight)) {
            throw new IllegalArgumentException("length penalty weight " + lengthPenaltyWeight + " must be finite and >= 0");
        }
        Require.nonNegative(lengthPenaltyWarmup, "length penalty warm-up iterations");
        if (!(repeatPenalty >= 0) || Double.isInfinite(repeatPenalty)) {
            throw new IllegalArgumentException("repeat penalty " + repeatPenalty + " must be finite and >= 0");
        }
    }

    /** The task reward minus the repeat penalty for one trajectory. */
    @Override
    public double individual(double taskReward, FinishReason finish) {
        return finish == FinishReason.REPEAT ? taskReward - repeatPenalty : taskReward;
    }

    /**
     * Adds the length penalty to a complete group of scored trajectories; {@code correct} is decided by the task
     * reward before shaping (reward >= 1).
     */
    @Override
    public List<Trajectory> group(List<Trajectory> group, boolean[] correct, int iteration) {
        if (lengthPenaltyWeight == 0 || iteration <= lengthPenaltyWarmup) {
            return group;
        }
        int[] lengths = group.stream().mapToInt(Trajectory::responseLength).toArray();
        double[] lambda = LengthPenalty.compute(lengths, correct);
        List<Trajectory> out = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            out.add(group.get(i).withReward(group.get(i).reward() + lengthPenaltyWeight * lambda[i]));
        }
        return out;
    }
}
