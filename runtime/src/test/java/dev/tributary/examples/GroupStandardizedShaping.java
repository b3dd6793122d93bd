package dev.tributary.examples;

import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Trajectory;
import java.util.ArrayList;
import java.util.List;

/**
 * An example reward shaping to copy: within each prompt group the rewards are standardized to mean 0 and
 * standard deviation 1 (a group whose rewards are all equal gets 0 everywhere), the normalization GRPO applies to
 * its advantages, done here on the rewards so that any loss sees it. Responses stopped for repetition first lose
 * {@code tributary.reward.repeat-penalty}, as in the built-in shaping.
 *
 * <p>Choose it with {@code tributary.reward.shaping = dev.tributary.examples.GroupStandardizedShaping}.
 */
public final class GroupStandardizedShaping implements RewardShaping {
    private final double repeatPenalty;

    public GroupStandardizedShaping(RewardShaping.Context context) {
        this.repeatPenalty = context.repeatPenalty();
    }

    @Override
    public double individual(double taskReward, FinishReason finish) {
        return finish == FinishReason.REPEAT ? taskReward - repeatPenalty : taskReward;
    }

    @Override
    public List<Trajectory> group(List<Trajectory> group, boolean[] correct, int iteration) {
        double mean = group.stream().mapToDouble(Trajectory::reward).average().orElse(0);
        double var = group.stream().mapToDouble(t -> (t.reward() - mean) * (t.reward() - mean)).average().orElse(0);
        double std = Math.sqrt(var);
        List<Trajectory> out = new ArrayList<>(group.size());
        for (Trajectory t : group) {
            out.add(t.withReward(std > 0 ? (t.reward() - mean) / std : 0));
        }
        return out;
    }
}
