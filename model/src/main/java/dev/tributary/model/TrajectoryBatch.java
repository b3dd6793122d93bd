package dev.tributary.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one batch type that crosses role boundaries: scored, finished trajectories for training at
 * {@code version}, with the k samples of each prompt kept together.
 */
public record TrajectoryBatch(PolicyVersion version, List<Trajectory> trajectories) {
    public TrajectoryBatch {
        Objects.requireNonNull(version, "batch policy version");
        trajectories = List.copyOf(Objects.requireNonNull(trajectories, "batch trajectories"));
        for (Trajectory t : trajectories) {
            if (!t.finished() || !t.scored()) {
                throw new IllegalArgumentException("trajectory " + t.id() + " in batch for " + version
                        + " must be finished and scored (finished=" + t.finished() + ", scored=" + t.scored() + ")");
            }
        }
    }

    public int size() {
        return trajectories.size();
    }

    /** Trajectories grouped by prompt id, in first-seen order. */
    public Map<String, List<Trajectory>> groups() {
        Map<String, List<Trajectory>> g = new LinkedHashMap<>();
        for (Trajectory t : trajectories) {
            g.computeIfAbsent(t.prompt().id(), k -> new java.util.ArrayList<>()).add(t);
        }
        return g;
    }

    public double meanReward() {
        return trajectories.stream().mapToDouble(Trajectory::reward).average().orElse(Double.NaN);
    }
}
