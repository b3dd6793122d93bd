package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import dev.tributary.actors.reward.RewardFunctions;
import java.util.Objects;

/**
 * {@code tributary.reward}: the reward function and the penalties added to its score.
 *
 * @param function                       registered reward function name (built in: {@code verifier})
 * @param lengthPenaltyWeight            weight of the paper's length penalty (0 disables it)
 * @param lengthPenaltyWarmupIterations  iterations before the length penalty applies, as the paper warms up
 * @param repeatPenalty                  subtracted from the reward of a trajectory stopped for repetition
 * @param functionConfig                 the function's own settings, {@code tributary.reward.<function>}
 */
public record RewardSettings(String function, double lengthPenaltyWeight, int lengthPenaltyWarmupIterations,
                             double repeatPenalty, Config functionConfig) {
    public RewardSettings {
        Check.name("tributary.reward.function", function);
        Check.nonNegative("tributary.reward.length-penalty-weight", lengthPenaltyWeight);
        Check.nonNegative("tributary.reward.length-penalty-warmup-iterations", lengthPenaltyWarmupIterations);
        Check.nonNegative("tributary.reward.repeat-penalty", repeatPenalty);
        Objects.requireNonNull(functionConfig, "settings of reward function " + function);
    }

    static RewardSettings read(ConfigReader r) {
        String function = Check.registered("tributary.reward.function", r.getString("tributary.reward.function"),
                RewardFunctions.registry().names());
        Config functionConfig = r.pluginSettings("tributary.reward.", function);
        return new RewardSettings(function,
                r.getDouble("tributary.reward.length-penalty-weight"),
                r.getInt("tributary.reward.length-penalty-warmup-iterations"),
                r.getDouble("tributary.reward.repeat-penalty"), functionConfig);
    }
}
