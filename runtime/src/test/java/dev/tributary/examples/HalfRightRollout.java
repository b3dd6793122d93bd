package dev.tributary.examples;

import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.util.Arrays;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An example rollout behaviour (it speaks {@link RolloutWorker}'s protocol without an engine): even-numbered samples
 * of a prompt answer with the task's worked solution, odd-numbered ones with the same solution missing its last
 * answer token, so every group holds right and wrong answers. Tests use it to check which behaviour really ran.
 */
public final class HalfRightRollout implements RolloutBehavior {
    @Override
    public Behavior<RolloutWorker.Command> create(Worker worker) {
        return Behaviors.setup(ctx -> Behaviors.receive(RolloutWorker.Command.class)
                .onMessage(RolloutWorker.Rollout.class, r -> {
                    long tokens = 0;
                    for (var job : r.jobs()) {
                        Trajectory t = job.trajectory();
                        int[] answer = worker.task().workedSolution(t.prompt());
                        if (Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1)) % 2 == 1) {
                            // Drop the last digit before the end token: a wrong answer.
                            answer = dropSecondToLast(answer);
                        }
                        float[] logProbs = new float[answer.length];
                        Arrays.fill(logProbs, -0.1f);
                        worker.sink().emit(t.append(new Segment(t.id(), t.segments().size(), answer, logProbs,
                                r.version().number(), FinishReason.EOS)));
                        tokens += answer.length;
                    }
                    r.replyTo().tell(new RolloutWorker.Done(worker.name(), new RolloutStats(r.jobs().size(), tokens,
                            r.jobs().size(), 0, 0, 0, 0), ctx.getSelf()));
                    return Behaviors.same();
                })
                .onMessage(RolloutWorker.LoadWeights.class, l -> {
                    l.replyTo().tell(new RolloutWorker.Loaded(worker.name(), l.version(), ctx.getSelf()));
                    return Behaviors.same();
                })
                .build());
    }

    private static int[] dropSecondToLast(int[] a) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, a.length - 2);
        out[a.length - 2] = a[a.length - 1];
        return out;
    }
}
