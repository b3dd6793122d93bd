package dev.tributary.runtime.settings;

import java.nio.file.Path;
import java.util.Objects;

/** {@code tributary.run}: the run's identity, length, output and checkpointing. */
public record RunSettings(long seed, int iterations, Path outDir, int checkpointEvery, int keepCheckpoints,
                          boolean resume) {
    public RunSettings {
        Check.positive("tributary.run.iterations", iterations);
        Objects.requireNonNull(outDir, "tributary.run.out-dir");
        Check.nonNegative("tributary.run.checkpoint-every", checkpointEvery);
        Check.positive("tributary.run.keep-checkpoints", keepCheckpoints);
    }

    static RunSettings read(ConfigReader r) {
        return new RunSettings(r.getLong("tributary.run.seed"), r.getInt("tributary.run.iterations"),
                r.getPath("tributary.run.out-dir"), r.getInt("tributary.run.checkpoint-every"),
                r.getInt("tributary.run.keep-checkpoints"), r.getBoolean("tributary.run.resume"));
    }
}
