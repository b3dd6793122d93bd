package dev.tributary.model.algo;

/**
 * Masked importance sampling ({@code mis}): w = ρ·1[low ≤ ρ ≤ high] with ρ = π_prox/π_behav, per token or per
 * sequence (ρ = Π_t ρ_t, the same weight on every token of the sequence). Outside the band the term is dropped
 * (and, having mask 0, leaves the averages' token counts, as a stale segment does); inside it keeps its
 * importance weight rather than 1, so the kept terms still estimate the π_prox expectation without the bias that
 * weight 1 would leave, and the band bounds that weight as tis's cap does, without pulling outliers to the cap.
 * The band must hold 1, so that on-policy tokens keep weight 1.
 */
final class MaskedIs extends RatioCorrection {
    private final double low;
    private final double high;

    MaskedIs(double low, double high, ImportanceRatios.Level level) {
        super(level);
        if (!(low >= 0 && low <= 1 && high >= 1 && low < high) || Double.isInfinite(high)) {
            throw new IllegalArgumentException("mis band [" + low + ", " + high + "] must have 0 <= low <= 1 <= high,"
                    + " low < high, high finite");
        }
        this.low = low;
        this.high = high;
    }

    /** Reads {@code low}, {@code high} and {@code level} from {@code tributary.algo.correction.mis}. */
    static MaskedIs fromSettings(com.typesafe.config.Config c) {
        double low = CorrectionSettings.number(c, "mis", "low");
        double high = CorrectionSettings.number(c, "mis", "high");
        if (!(low < high)) {
            throw CorrectionSettings.refuse("mis", "low", low, "a number below high (" + high + ")");
        }
        if (!(low >= 0 && low <= 1)) {
            throw CorrectionSettings.refuse("mis", "low", low,
                    "a number in [0, 1] (the band must hold ratio 1, an on-policy token)");
        }
        if (!(high >= 1)) {
            throw CorrectionSettings.refuse("mis", "high", high,
                    "a number >= 1 (the band must hold ratio 1, an on-policy token)");
        }
        return new MaskedIs(low, high, CorrectionSettings.level(c, "mis"));
    }

    @Override
    public String name() {
        return "mis";
    }

    @Override
    double weight(double logRatio) {
        double ratio = Math.exp(logRatio);
        return ratio >= low && ratio <= high ? ratio : 0;
    }
}
