package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.PolicyVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a run stands between messages: what every driver carries from phase to phase.
 *
 * @param iteration          the iteration under way (numbered from 1)
 * @param version            the version the live workers hold
 * @param workers            the live rollout workers: those of {@link Master.Roles}, less any that were lost
 * @param expectedReceived   trajectories emitted so far over the run, the count the replay buffer waits for
 * @param handoffMillisSoFar the device arbiters' total hand-off time at the last reading, summed over arbiters
 * @param reports            every iteration's report of this process so far
 * @param round              the asynchronous driver's next rollout round when it runs ahead of the iterations (its
 *                           checkpoints record it, so that a rewound run never sends a round's ids twice); 0 when
 *                           rounds are iterations
 */
public record Run(int iteration, PolicyVersion version, List<ActorRef<RolloutWorker.Command>> workers,
           long expectedReceived, double handoffMillisSoFar, List<IterationReport> reports, int round) {
    public Run {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration " + iteration + " must be >= 0 (0: the warm-up's checkpoint)");
        }
        Objects.requireNonNull(version, "version must not be null");
        workers = List.copyOf(workers);
        reports = List.copyOf(reports);
    }

    public static Run start(int iteration, PolicyVersion version, List<ActorRef<RolloutWorker.Command>> workers) {
        return new Run(iteration, version, workers, 0, 0, List.of(), 0);
    }

    public Run next() {
        return new Run(iteration + 1, version, workers, expectedReceived, handoffMillisSoFar, reports, round);
    }

    public Run atIteration(int i) {
        return new Run(i, version, workers, expectedReceived, handoffMillisSoFar, reports, round);
    }

    public Run withRound(int next) {
        return new Run(iteration, version, workers, expectedReceived, handoffMillisSoFar, reports, next);
    }

    /** The first rollout round after this iteration's checkpoint: the recorded round, or the next iteration. */
    public int nextRoundAfterCheckpoint() {
        return Math.max(iteration + 1, round);
    }

    public Run withVersion(PolicyVersion v) {
        return new Run(iteration, v, workers, expectedReceived, handoffMillisSoFar, reports, round);
    }

    public Run withWorker(ActorRef<RolloutWorker.Command> joined) {
        List<ActorRef<RolloutWorker.Command>> all = new ArrayList<>(workers);
        all.add(joined);
        return new Run(iteration, version, all, expectedReceived, handoffMillisSoFar, reports, round);
    }

    public Run withoutWorker(ActorRef<RolloutWorker.Command> lost) {
        List<ActorRef<RolloutWorker.Command>> left = new ArrayList<>(workers);
        left.remove(lost);
        return new Run(iteration, version, left, expectedReceived, handoffMillisSoFar, reports, round);
    }

    public Run emitted(int trajectories) {
        return new Run(iteration, version, workers, expectedReceived + trajectories, handoffMillisSoFar, reports, round);
    }

    public Run withHandoffMillisSoFar(double total) {
        return new Run(iteration, version, workers, expectedReceived, total, reports, round);
    }

    public Run reported(IterationReport report) {
        List<IterationReport> all = new ArrayList<>(reports);
        all.add(report);
        return new Run(iteration, version, workers, expectedReceived, handoffMillisSoFar, all, round);
    }
}
