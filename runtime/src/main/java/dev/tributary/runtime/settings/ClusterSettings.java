package dev.tributary.runtime.settings;

import java.time.Duration;

/**
 * {@code tributary.cluster}: what a run across nodes waits for (the embedded single-JVM default ignores it).
 *
 * @param minRolloutWorkers rollout workers, over all rollout nodes, the master waits for before the first iteration
 * @param recoveryTimeout   how long a run whose trainer (or master) is lost waits for a replacement before it
 *                          ends, on every node, with a non-zero exit
 */
public record ClusterSettings(int minRolloutWorkers, Duration recoveryTimeout) {
    public ClusterSettings {
        Check.positive("tributary.cluster.min-rollout-workers", minRolloutWorkers);
        if (recoveryTimeout.isZero() || recoveryTimeout.isNegative()) {
            // Duration prints as PT-5S; the setting was written as -5s.
            throw new SettingsException("tributary.cluster.recovery-timeout",
                    recoveryTimeout.toString().substring(2).toLowerCase(java.util.Locale.ROOT),
                    "a positive duration (e.g. 2m): how long to wait for a replacement of a lost node");
        }
    }

    static ClusterSettings read(ConfigReader r) {
        return new ClusterSettings(r.getInt("tributary.cluster.min-rollout-workers"),
                r.getDuration("tributary.cluster.recovery-timeout"));
    }
}
