package dev.tributary.model.algo;

/**
 * Truncated importance sampling ({@code tis}): w = min(ρ, C) with ρ = π_prox/π_behav, per token
 * (w_t = min(ρ_t, C)) or per sequence (every token, and a sequence term, gets min(Π_t ρ_t, C)). Truncation bounds
 * the variance a rare token with a tiny π_behav would bring, at the price of a bias towards π_behav on those
 * tokens. C ≥ 1 so that an on-policy token (ρ = 1) keeps weight 1.
 */
final class TruncatedIs extends RatioCorrection {
    private final double cap;

    TruncatedIs(double cap, ImportanceRatios.Level level) {
        super(level);
        if (!(cap >= 1) || Double.isInfinite(cap)) {
            throw new IllegalArgumentException("tis cap " + cap + " must be a finite number >= 1");
        }
        this.cap = cap;
    }

    /** Reads {@code cap} and {@code level} from {@code tributary.algo.correction.tis}. */
    static TruncatedIs fromSettings(com.typesafe.config.Config c) {
        double cap = CorrectionSettings.number(c, "tis", "cap");
        if (!(cap >= 1)) {
            throw CorrectionSettings.refuse("tis", "cap", cap,
                    "a number >= 1 (an on-policy token, ratio 1, must keep weight 1)");
        }
        return new TruncatedIs(cap, CorrectionSettings.level(c, "tis"));
    }

    @Override
    public String name() {
        return "tis";
    }

    double cap() {
        return cap;
    }

    @Override
    double weight(double logRatio) {
        return Math.min(Math.exp(logRatio), cap);
    }
}
