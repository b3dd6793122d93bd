package dev.tributary.runtime.internal.checkpoint;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Trajectory;
import dev.tributary.model.weights.FlatWeights;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The files of one checkpoint directory, each written by the role that owns the state: {@code trainer.bin},
 * {@code replay.bin}, {@code master.bin}, and last {@code manifest.bin}, which the master writes only after every
 * part is on disk and checked. A directory without a manifest is an incomplete checkpoint and is never used.
 */
final class Parts {
    static final String TRAINER = "trainer";
    static final String REPLAY = "replay";
    static final String MASTER = "master";
    static final String MANIFEST = "manifest";

    private Parts() {
    }

    static String file(String part) {
        return part + ".bin";
    }

    /** The trainer's part: the policy after the iteration's update, Adam's state, the reference weights if kept. */
    record TrainerPart(FlatWeights weights, OptimizerState optimizer, Optional<FlatWeights> reference) {
        TrainerPart {
            Objects.requireNonNull(weights, "trainer part: weights");
            Objects.requireNonNull(optimizer, "trainer part: optimizer state");
            Objects.requireNonNull(reference, "trainer part: reference (Optional.empty() when none)");
        }
    }

    /** The replay buffer's part: everything it held, unfinished trajectories and groups not yet trained on. */
    record ReplayPart(List<Trajectory> trajectories) {
        ReplayPart {
            trajectories = List.copyOf(trajectories);
        }
    }

    /** The master's part: where the run stands, the sampler's statistics and the run's random state (its seed). */
    record MasterPart(PolicyVersion version, Map<String, double[]> samplerStats, long[] randomState, int nextRound) {
        MasterPart {
            samplerStats = Map.copyOf(samplerStats);
            randomState = randomState.clone();
        }
    }

    /** One part as its writer reported it: the manifest's promise of what the file holds. */
    record Entry(String part, long bytes, long checksum) {
    }

    /** What makes a checkpoint complete: every part, checked against its file when read. */
    record Manifest(int iteration, List<Entry> parts) {
        Manifest {
            parts = List.copyOf(parts);
        }

        Entry entry(String part) {
            return parts.stream().filter(e -> e.part().equals(part)).findFirst().orElse(null);
        }
    }
}
