package dev.tributary.model.engine;

/** Counts how often the newest n-gram of a response already occurred in it. Pure and allocation-light. */
public final class RepetitionDetector {
    private RepetitionDetector() {
    }

    /**
     * @return occurrences of the last {@code n} tokens of {@code tokens[0, length)} within that range (including
     *     itself), or 0 when there are fewer than {@code n} tokens
     */
    public static int occurrencesOfLast(int[] tokens, int length, int n) {
        return occurrencesOfLast(tokens, 0, length, n);
    }

    /** As {@link #occurrencesOfLast(int[], int, int)} over {@code tokens[from, to)}, without copying. */
    public static int occurrencesOfLast(int[] tokens, int from, int to, int n) {
        if (n <= 0 || to - from < n) {
            return 0;
        }
        int count = 0;
        int tail = to - n;
        for (int start = from; start <= tail; start++) {
            int k = 0;
            while (k < n && tokens[start + k] == tokens[tail + k]) {
                k++;
            }
            if (k == n) {
                count++;
            }
        }
        return count;
    }
}
