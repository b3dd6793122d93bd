package dev.tributary.actors.trainer;

import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deals a batch out as minibatches of whole prompt groups: the groups are shuffled, cut into runs of about
 * {@code size} trajectories (at least one group each), handed out in order, and reshuffled once all were used.
 * Whole groups, because group-relative losses compute their baseline over a prompt's k samples.
 */
final class Minibatches {
    private final TrajectoryBatch batch;
    private final List<List<Trajectory>> groups;
    private final int size;
    private final SplittableRandom rng;
    private final List<TrajectoryBatch> epoch = new ArrayList<>();

    Minibatches(TrajectoryBatch batch, int size, SplittableRandom rng) {
        if (size < 1) {
            throw new IllegalArgumentException("minibatch size " + size + " must be >= 1");
        }
        this.batch = batch;
        this.size = size;
        this.rng = rng;
        Map<String, List<Trajectory>> byGroup = new LinkedHashMap<>();
        for (Trajectory t : batch.trajectories()) {
            byGroup.computeIfAbsent(TrajectoryIds.group(t.id()), g -> new ArrayList<>()).add(t);
        }
        this.groups = new ArrayList<>(byGroup.values());
    }

    TrajectoryBatch next() {
        if (epoch.isEmpty()) {
            deal();
        }
        return epoch.remove(0);
    }

    private void deal() {
        List<List<Trajectory>> order = new ArrayList<>(groups);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            order.set(j, order.set(i, order.get(j)));
        }
        List<Trajectory> current = new ArrayList<>();
        for (List<Trajectory> g : order) {
            if (!current.isEmpty() && current.size() + g.size() > size) {
                epoch.add(new TrajectoryBatch(batch.version(), current));
                current = new ArrayList<>();
            }
            current.addAll(g);
        }
        if (!current.isEmpty()) {
            epoch.add(new TrajectoryBatch(batch.version(), current));
        }
    }
}
