package dev.tributary.actors.rollout;

/**
 * Counts of one rollout batch: jobs, tokens generated, how trajectories stopped this time, and the busy time of
 * the engine.
 */
public record RolloutStats(int jobs, long tokens, int finished, int partial, int resumed, int repeatStopped,
                           double busySeconds) {
    public static final RolloutStats EMPTY = new RolloutStats(0, 0, 0, 0, 0, 0, 0);

    public RolloutStats plus(RolloutStats o) {
        return new RolloutStats(jobs + o.jobs, tokens + o.tokens, finished + o.finished, partial + o.partial,
                resumed + o.resumed, repeatStopped + o.repeatStopped, busySeconds + o.busySeconds);
    }
}
