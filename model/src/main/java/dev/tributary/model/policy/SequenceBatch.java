package dev.tributary.model.policy;

import java.util.Objects;

/**
 * Token sequences (prompt followed by response) for teacher-forced scoring. Log-probs and loss gradients are
 * exchanged for the response part only: positions {@code responseStart[i] .. sequences[i].length - 1}.
 */
public record SequenceBatch(int[][] sequences, int[] responseStart) {
    public SequenceBatch {
        Objects.requireNonNull(sequences, "sequences");
        Objects.requireNonNull(responseStart, "response starts");
        if (sequences.length == 0) {
            throw new IllegalArgumentException("a sequence batch needs at least one sequence");
        }
        if (sequences.length != responseStart.length) {
            throw new IllegalArgumentException(sequences.length + " sequences but " + responseStart.length
                    + " response starts; expected one per sequence");
        }
        for (int i = 0; i < sequences.length; i++) {
            if (responseStart[i] < 1 || responseStart[i] > sequences[i].length) {
                throw new IllegalArgumentException("response start " + responseStart[i] + " of sequence " + i
                        + " must be in [1, " + sequences[i].length + "] (the prompt has at least one token)");
            }
        }
    }

    public int size() {
        return sequences.length;
    }

    public int responseLength(int i) {
        return sequences[i].length - responseStart[i];
    }

    /** Longest sequence minus one: the number of next-token predictions per row. */
    public int steps() {
        int max = 0;
        for (int[] s : sequences) {
            max = Math.max(max, s.length);
        }
        return max - 1;
    }

    public int responseTokens() {
        int n = 0;
        for (int i = 0; i < size(); i++) {
            n += responseLength(i);
        }
        return n;
    }
}
