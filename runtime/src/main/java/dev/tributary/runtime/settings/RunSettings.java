package dev.tributary.runtime.settings;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * {@code tributary.run}: the run's identity, length, output and checkpointing.
 *
 * @param iterations the last RL iteration (iterations are numbered from 1)
 * @param outDir     where the run writes; an empty {@code out-dir} setting means a new {@code runs/<timestamp>}
 */
public record RunSettings(long seed, int iterations, Path outDir, int checkpointEvery, int keepCheckpoints,
                          boolean resume) {
    public RunSettings {
        Check.positive("tributary.run.iterations", iterations);
        Objects.requireNonNull(outDir, "tributary.run.out-dir");
        Check.nonNegative("tributary.run.checkpoint-every", checkpointEvery);
        Check.positive("tributary.run.keep-checkpoints", keepCheckpoints);
    }

    static RunSettings read(ConfigReader r) {
        boolean resume = r.getBoolean("tributary.run.resume");
        Path out;
        if (r.getString("tributary.run.out-dir").isEmpty()) {
            if (resume) {
                // Which run to continue cannot be guessed.
                throw new SettingsException("tributary.run.out-dir", "\"\"",
                        "the directory of the run to resume (tributary train --resume --out <dir>)");
            }
            out = Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        } else {
            out = r.getPath("tributary.run.out-dir");
        }
        return new RunSettings(r.getLong("tributary.run.seed"), r.getInt("tributary.run.iterations"), out,
                r.getInt("tributary.run.checkpoint-every"), r.getInt("tributary.run.keep-checkpoints"), resume);
    }
}
