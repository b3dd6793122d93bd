package dev.tributary.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A task instance given to the policy.
 *
 * @param id          stable identifier, also the group key for the k samples drawn for it
 * @param tokens      the encoded prompt, starting with BOS
 * @param task        name of the task that generated it (selects the verifier)
 * @param difficulty  task-specific difficulty level, >= 0
 * @param groundTruth the reference answer the verifier checks against
 */
public record Prompt(String id, int[] tokens, String task, int difficulty, String groundTruth) {
    public Prompt {
        Require.nonBlank(id, "prompt id");
        Objects.requireNonNull(tokens, "prompt tokens");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("prompt '" + id + "' has no tokens");
        }
        Require.nonBlank(task, "task of prompt '" + id + "'");
        if (difficulty < 0) {
            throw new IllegalArgumentException("difficulty " + difficulty + " of prompt '" + id + "' must be >= 0");
        }
        Objects.requireNonNull(groundTruth, "ground truth of prompt '" + id + "'");
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prompt p && id.equals(p.id) && Arrays.equals(tokens, p.tokens) && task.equals(p.task)
                && difficulty == p.difficulty && groundTruth.equals(p.groundTruth);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(tokens), task, difficulty, groundTruth);
    }

    @Override
    public String toString() {
        return "Prompt[" + id + ", " + task + "/" + difficulty + ", " + tokens.length + " tokens]";
    }
}
