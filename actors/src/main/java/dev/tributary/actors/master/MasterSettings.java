package dev.tributary.actors.master;

import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import java.util.List;

/**
 * The driver's schedule: iterations, prompts per iteration and samples per prompt (k), the per-iteration token
 * budget of each trajectory (partial rollouts), the run seed, and held-out evaluation every {@code evalEvery}
 * iterations (and after the last).
 */
public record MasterSettings(int iterations, int promptsPerIteration, int samplesPerPrompt, int tokenBudget,
                             long seed, List<Prompt> heldOut, int evalEvery, int evalMaxTokens) {
    public MasterSettings {
        Require.positive(iterations, "iterations");
        Require.positive(promptsPerIteration, "prompts per iteration");
        Require.positive(samplesPerPrompt, "samples per prompt");
        Require.positive(tokenBudget, "token budget");
        heldOut = List.copyOf(heldOut);
        Require.positive(evalEvery, "evaluation interval");
        Require.positive(evalMaxTokens, "evaluation max tokens");
    }
}
