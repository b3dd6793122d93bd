package dev.tributary.model;

/**
 * Trajectory ids are {@code <group>/<sample>}: the group is one prompt drawn in one iteration, whose k samples are
 * trained together (their mean reward is the baseline).
 */
public final class TrajectoryIds {
    private TrajectoryIds() {
    }

    public static String of(String group, int sample) {
        Require.nonBlank(group, "trajectory group");
        if (group.contains("/")) {
            throw new IllegalArgumentException("trajectory group '" + group + "' must not contain '/'");
        }
        return group + "/" + Require.nonNegative(sample, "sample index");
    }

    public static String group(String trajectoryId) {
        int slash = trajectoryId.lastIndexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("trajectory id '" + trajectoryId + "' must look like <group>/<sample>");
        }
        return trajectoryId.substring(0, slash);
    }
}
