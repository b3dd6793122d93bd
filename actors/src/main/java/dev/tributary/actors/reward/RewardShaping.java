package dev.tributary.actors.reward;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Trajectory;
import dev.tributary.model.registry.Registry;
import java.util.List;

/**
 * Plug-in {@code tributary.reward.shaping}: turns the reward function's task reward into the reward the trainer
 * sees. The reward actor calls {@link #individual} for each finished trajectory as it is scored (in the segment
 * stream, possibly from several threads at once: keep it pure), and {@link #group} once per complete prompt group
 * when the master assembles a batch. Built in: {@code penalties} (the repeat penalty and the paper's length
 * penalty, from {@code tributary.reward.*}). A class named instead gets its settings from
 * {@code tributary.reward.<SimpleClassName>}.
 */
public interface RewardShaping {
    /** The setting that names the shaping. */
    String KEY = "tributary.reward.shaping";

    /** No shaping: the task reward as it is. */
    RewardShaping NONE = penalties(0, 0, 0);

    /** The reward of one finished trajectory from its task reward and why it stopped. */
    double individual(double taskReward, FinishReason finish);

    /**
     * The rewards of a complete group, in the same order; {@code correct[i]} is whether member i's task reward
     * was at least 1 before shaping. May return {@code group} itself.
     */
    List<Trajectory> group(List<Trajectory> group, boolean[] correct, int iteration);

    /** The penalties of {@code penalties}, validated. */
    static RewardShaping penalties(double lengthPenaltyWeight, int lengthPenaltyWarmup, double repeatPenalty) {
        return new PenaltyShaping(lengthPenaltyWeight, lengthPenaltyWarmup, repeatPenalty);
    }

    /**
     * What a shaping factory receives besides its settings: the reward section's built-in penalty values, which
     * {@code penalties} uses and others may ignore.
     */
    record Context(double lengthPenaltyWeight, int lengthPenaltyWarmup, double repeatPenalty) {
    }

    static Registry<Context, RewardShaping> registry() {
        return new Registry<>(KEY, RewardShaping.class, Context.class)
                .register("penalties", (c, ctx) -> penalties(ctx.lengthPenaltyWeight(), ctx.lengthPenaltyWarmup(),
                        ctx.repeatPenalty()));
    }
}
