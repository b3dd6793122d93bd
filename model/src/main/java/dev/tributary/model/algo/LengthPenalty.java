package dev.tributary.model.algo;

/**
 * The length reward of Kimi k1.5 §2.3.3 within one prompt's group: λ = 0.5 − (len − min)/(max − min); a correct
 * response gets λ, a wrong one min(0, λ); all get 0 when every length is equal.
 */
public final class LengthPenalty {
    private LengthPenalty() {
    }

    public static double[] compute(int[] lengths, boolean[] correct) {
        if (lengths.length != correct.length) {
            throw new IllegalArgumentException(lengths.length + " lengths but " + correct.length
                    + " correctness flags; expected one per response");
        }
        double[] out = new double[lengths.length];
        if (lengths.length == 0) {
            return out;
        }
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int len : lengths) {
            if (len < 0) {
                throw new IllegalArgumentException("response length " + len + " must be >= 0");
            }
            min = Math.min(min, len);
            max = Math.max(max, len);
        }
        if (max == min) {
            return out;
        }
        for (int i = 0; i < lengths.length; i++) {
            double lambda = 0.5 - (double) (lengths[i] - min) / (max - min);
            out[i] = correct[i] ? lambda : Math.min(0, lambda);
        }
        return out;
    }
}
