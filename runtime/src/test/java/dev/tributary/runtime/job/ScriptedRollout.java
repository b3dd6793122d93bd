package dev.tributary.runtime.job;

import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.util.Arrays;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A rollout behaviour from outside the runtime, chosen by class name in settings: every job is answered with the
 * task's worked solution in one segment, so every trained sample is correct.
 */
public final class ScriptedRollout implements RolloutBehavior {
    @Override
    public Behavior<RolloutWorker.Command> create(Worker worker) {
        String name = worker.name();
        TrajectorySink sink = worker.sink();
        return Behaviors.setup(ctx -> Behaviors.receive(RolloutWorker.Command.class)
                .onMessage(RolloutWorker.Rollout.class, r -> {
                    long tokens = 0;
                    for (var job : r.jobs()) {
                        Trajectory t = job.trajectory();
                        int[] answer = worker.task().workedSolution(t.prompt());
                        float[] logProbs = new float[answer.length];
                        Arrays.fill(logProbs, -0.1f);
                        sink.emit(t.append(new Segment(t.id(), t.segments().size(), answer, logProbs,
                                r.version().number(), FinishReason.EOS)));
                        tokens += answer.length;
                    }
                    r.replyTo().tell(new RolloutWorker.Done(name, new RolloutStats(r.jobs().size(), tokens,
                            r.jobs().size(), 0, 0, 0, 0), ctx.getSelf()));
                    return Behaviors.same();
                })
                .onMessage(RolloutWorker.LoadWeights.class, l -> {
                    l.replyTo().tell(new RolloutWorker.Loaded(name, l.version(), ctx.getSelf()));
                    return Behaviors.same();
                })
                .build());
    }
}
