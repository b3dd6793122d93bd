package dev.tributary.model.algo;

import dev.tributary.model.Require;
import java.util.ArrayList;
import java.util.List;

/** Data selection of the long2short methods (Kimi k1.5 §2.4) over one prompt's sampled responses. */
public final class Long2Short {
    private Long2Short() {
    }

    /** Shortest rejection sampling: the index of the shortest correct response, or -1 when none is correct. */
    public static int shortestCorrect(int[] lengths, boolean[] correct) {
        check(lengths, correct);
        int best = -1;
        for (int i = 0; i < lengths.length; i++) {
            if (correct[i] && (best < 0 || lengths[i] < lengths[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * DPO pairs: the shortest correct response is chosen over every wrong response and every correct one at least
     * {@code longRatio} times longer (the paper uses 1.5). Indices are local to the arrays given.
     */
    public static List<LossBatch.Pair> dpoPairs(int[] lengths, boolean[] correct, double longRatio) {
        Require.positive(longRatio, "long2short length ratio");
        int positive = shortestCorrect(lengths, correct);
        List<LossBatch.Pair> pairs = new ArrayList<>();
        if (positive < 0) {
            return pairs;
        }
        for (int i = 0; i < lengths.length; i++) {
            if (i != positive && (!correct[i] || lengths[i] >= longRatio * lengths[positive])) {
                pairs.add(new LossBatch.Pair(positive, i));
            }
        }
        return pairs;
    }

    private static void check(int[] lengths, boolean[] correct) {
        if (lengths.length != correct.length) {
            throw new IllegalArgumentException(lengths.length + " lengths but " + correct.length
                    + " correctness flags; expected one per response");
        }
    }
}
