package dev.tributary.runtime.settings;


/**
 * {@code tributary.reward}: the reward function and the penalties added to its score.
 *
 * @param function                       registered reward function name (built in: {@code verifier})
 * @param lengthPenaltyWeight            weight of the paper's length penalty (0 disables it)
 * @param lengthPenaltyWarmupIterations  iterations before the length penalty applies, as the paper warms up
 * @param repeatPenalty                  subtracted from the reward of a trajectory stopped for repetition
 */
public record RewardSettings(String function, double lengthPenaltyWeight, int lengthPenaltyWarmupIterations,
                             double repeatPenalty) {
    public RewardSettings {
        Check.name("tributary.reward.function", function);
        Check.nonNegative("tributary.reward.length-penalty-weight", lengthPenaltyWeight);
        Check.nonNegative("tributary.reward.length-penalty-warmup-iterations", lengthPenaltyWarmupIterations);
        Check.nonNegative("tributary.reward.repeat-penalty", repeatPenalty);
    }

    static RewardSettings read(ConfigReader r) {
        return new RewardSettings(r.getString("tributary.reward.function"),
                r.getDouble("tributary.reward.length-penalty-weight"),
                r.getInt("tributary.reward.length-penalty-warmup-iterations"),
                r.getDouble("tributary.reward.repeat-penalty"));
    }
}
