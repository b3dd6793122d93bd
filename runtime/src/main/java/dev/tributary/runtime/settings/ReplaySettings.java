package dev.tributary.runtime.settings;

/**
 * {@code tributary.replay}: the replay buffer.
 *
 * @param capacity       trajectories held (finished and unfinished); producers are held back when full
 * @param maxSegmentAge  segments more than this many versions old are excluded from the loss; 0 keeps all
 */
public record ReplaySettings(int capacity, int maxSegmentAge) {
    public ReplaySettings {
        Check.positive("tributary.replay.capacity", capacity);
        Check.nonNegative("tributary.replay.max-segment-age", maxSegmentAge);
    }

    /** True when a segment of {@code segmentVersion} still counts in the loss at {@code currentVersion}. */
    public boolean inLoss(long segmentVersion, long currentVersion) {
        return maxSegmentAge == 0 || currentVersion - segmentVersion <= maxSegmentAge;
    }

    static ReplaySettings read(ConfigReader r) {
        return new ReplaySettings(r.getInt("tributary.replay.capacity"), r.getInt("tributary.replay.max-segment-age"));
    }
}
