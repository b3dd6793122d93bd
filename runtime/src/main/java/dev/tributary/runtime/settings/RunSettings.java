package dev.tributary.runtime.settings;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * {@code tributary.run}: the run's identity, length, output and checkpointing.
 *
 * @param iterations the last RL iteration (iterations are numbered from 1)
 * @param outDir        where the run writes; an empty {@code out-dir} setting means a new {@code runs/<timestamp>}
 * @param checkpointDir where every node writes and reads checkpoint parts: {@code <out-dir>/checkpoints} unless
 *                      set (a volume every node of a cluster run mounts)
 */
public record RunSettings(long seed, int iterations, Path outDir, int checkpointEvery, int keepCheckpoints,
                          boolean resume, Path checkpointDir) {
    public RunSettings {
        Check.positive("tributary.run.iterations", iterations);
        Objects.requireNonNull(outDir, "tributary.run.out-dir");
        Objects.requireNonNull(checkpointDir, "tributary.run.checkpoint-dir");
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
        Path checkpoints = r.getString("tributary.run.checkpoint-dir").isEmpty() ? out.resolve("checkpoints")
                : r.getPath("tributary.run.checkpoint-dir");
        return new RunSettings(r.getLong("tributary.run.seed"), r.getInt("tributary.run.iterations"), out,
                r.getInt("tributary.run.checkpoint-every"), r.getInt("tributary.run.keep-checkpoints"), resume,
                checkpoints);
    }
}
