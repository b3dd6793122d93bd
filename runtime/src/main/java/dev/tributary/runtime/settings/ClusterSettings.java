package dev.tributary.runtime.settings;

/**
 * {@code tributary.cluster}: what a run across nodes waits for (the embedded single-JVM default ignores it).
 *
 * @param minRolloutWorkers rollout workers, over all rollout nodes, the master waits for before the first iteration
 */
public record ClusterSettings(int minRolloutWorkers) {
    public ClusterSettings {
        Check.positive("tributary.cluster.min-rollout-workers", minRolloutWorkers);
    }

    static ClusterSettings read(ConfigReader r) {
        return new ClusterSettings(r.getInt("tributary.cluster.min-rollout-workers"));
    }
}
