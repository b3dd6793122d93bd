package dev.tributary.model.engine;

import dev.tributary.model.Require;

/**
 * How the next token is drawn.
 *
 * @param temperature 0 for greedy decoding, otherwise the softmax temperature
 * @param topP        nucleus size in (0, 1]; 1 disables nucleus sampling
 */
public record Sampling(double temperature, double topP) {
    public static final Sampling GREEDY = new Sampling(0, 1);

    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " must be a finite number >= 0");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p " + topP + " must be in (0, 1]");
        }
    }

    public static Sampling of(double temperature) {
        return new Sampling(temperature, 1);
    }

    public boolean greedy() {
        return temperature == 0;
    }

    /**
     * Picks a token from {@code logProbs} (log-softmax at temperature 1) using the uniform draw {@code u}.
     * Ties and nucleus order are resolved by token id, so the result depends on nothing but the inputs.
     */
    int pick(double[] logProbs, double u) {
        int n = logProbs.length;
        if (greedy()) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (logProbs[i] > logProbs[best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logProbs) {
            max = Math.max(max, l);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logProbs[i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            p[i] /= sum;
        }
        int keep = n;
        if (topP < 1) {
            java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
            double mass = 0;
            for (int i = 0; i < n; i++) {
                mass += p[order[i]];
                if (mass >= topP) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[order[i]];
        }
        double target = u * kept;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[order[i]];
            if (target < acc) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
