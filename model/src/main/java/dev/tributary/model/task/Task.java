package dev.tributary.model.task;

import dev.tributary.model.Prompt;
import dev.tributary.model.policy.VisionConfig;
import dev.tributary.model.token.Tokenizer;
import java.util.random.RandomGenerator;

/**
 * A family of problems: it generates prompts at a difficulty level, verifies responses, and writes worked
 * solutions (reasoning, the separator, the answer, EOS) for supervised warm-up.
 */
public interface Task {
    /** Which problems a prompt may be drawn from; held-out problems are never used for training. */
    enum Split { TRAIN, HELD_OUT }

    String name();

    Tokenizer tokenizer();

    int minDifficulty();

    int maxDifficulty();

    /** A random prompt of the given difficulty from the given split. */
    Prompt sample(int difficulty, Split split, RandomGenerator rng);

    /** Reward in [0, 1] of {@code response} (generated tokens only, EOS included when produced). */
    double reward(Prompt prompt, int[] response);

    /**
     * The verifier of tasks whose responses end "reasoning, separator, answer, EOS": 1 when the text between the first
     * separator and EOS is {@code answer} (special tokens in it score 0), 0 without a separator or EOS.
     */
    static double answerReward(Tokenizer tokenizer, int[] response, String answer) {
        int sep = -1;
        int eos = -1;
        for (int i = 0; i < response.length; i++) {
            if (response[i] == Tokenizer.SEP && sep < 0) {
                sep = i;
            }
            if (response[i] == Tokenizer.EOS) {
                eos = i;
                break;
            }
        }
        if (sep < 0 || eos < 0 || eos < sep) {
            return 0.0;
        }
        for (int i = sep + 1; i < eos; i++) {
            if (response[i] < 4) {
                return 0.0;
            }
        }
        return tokenizer.decode(response, sep + 1, eos).equals(answer) ? 1.0 : 0.0;
    }

    /** A correct response with its reasoning, ending with EOS. */
    int[] workedSolution(Prompt prompt);

    /**
     * The vision front end a model needs for this task's images (their shape, the most a prompt carries and a patch
     * size that suits them); {@link VisionConfig#NONE} for a text task, whose prompts carry no images.
     */
    default VisionConfig vision() {
        return VisionConfig.NONE;
    }

    default void checkDifficulty(int difficulty) {
        if (difficulty < minDifficulty() || difficulty > maxDifficulty()) {
            throw new IllegalArgumentException("difficulty " + difficulty + " of task '" + name() + "' must be in ["
                    + minDifficulty() + ", " + maxDifficulty() + "]");
        }
    }
}
