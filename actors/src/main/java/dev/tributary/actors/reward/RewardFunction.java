package dev.tributary.actors.reward;

import dev.tributary.model.Prompt;

/** Scores one finished response; implementations may block (the reward actor runs them off its own thread). */
public interface RewardFunction {
    String name();

    /** Reward in [0, 1] of {@code response} (generated tokens, EOS included when produced) for {@code prompt}. */
    double score(Prompt prompt, int[] response);
}
