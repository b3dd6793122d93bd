package dev.tributary.runtime.settings;

/** {@code tributary.sft}: the supervised warm-up before RL (0 steps skips it). */
public record SftSettings(int steps, int batchSize, double learningRate) {
    public SftSettings {
        Check.nonNegative("tributary.sft.steps", steps);
        Check.positive("tributary.sft.batch-size", batchSize);
        Check.positive("tributary.sft.learning-rate", learningRate);
    }

    static SftSettings read(ConfigReader r) {
        return new SftSettings(r.getInt("tributary.sft.steps"), r.getInt("tributary.sft.batch-size"),
                r.getDouble("tributary.sft.learning-rate"));
    }
}
