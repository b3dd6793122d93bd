package dev.tributary.model.policy;

import dev.tributary.model.Image;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Token sequences (prompt followed by response) for teacher-forced scoring. Log-probs and loss gradients are
 * exchanged for the response part only: positions {@code responseStart[i] .. sequences[i].length - 1}.
 *
 * @param images per sequence, the prompt's images (an empty list for a text prompt), shown before its tokens
 */
public record SequenceBatch(int[][] sequences, int[] responseStart, List<List<Image>> images) {
    /** Text sequences only. */
    public SequenceBatch(int[][] sequences, int[] responseStart) {
        this(sequences, responseStart, Collections.nCopies(Objects.requireNonNull(sequences, "sequences").length,
                List.of()));
    }

    public SequenceBatch {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(sequences, "sequences");
        Objects.requireNonNull(responseStart, "response starts");
        if (sequences.length == 0) {
            throw new IllegalArgumentException("a sequence batch needs at least one sequence");
        }
        if (sequences.length != responseStart.length) {
            throw new IllegalArgumentException(sequences.length + " sequences but " + responseStart.length
                    + " response starts; expected one per sequence");
        }
        if (images.size() != sequences.length) {
            throw new IllegalArgumentException(sequences.length + " sequences but " + images.size()
                    + " image lists; expected one per sequence (empty for a text prompt)");
        }
        images = List.copyOf(images);
        for (int i = 0; i < sequences.length; i++) {
            if (responseStart[i] < 1 || responseStart[i] > sequences[i].length) {
                throw new IllegalArgumentException("response start " + responseStart[i] + " of sequence " + i
                        + " must be in [1, " + sequences[i].length + "] (the prompt has at least one token)");
            }
        }
    }

    /** True when some sequence carries images. */
    public boolean hasImages() {
        return images.stream().anyMatch(l -> !l.isEmpty());
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
