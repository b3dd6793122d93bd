package dev.tributary.actors.master;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.train.Evaluator;
import java.util.List;
import org.apache.pekko.actor.typed.Behavior;

/**
 * Iterative synchronous RL (Kimi k1.5 §2.6.1), one behaviour per phase; each phase asks one role (or all workers)
 * and moves on with the reply:
 * begin → rollout → groups → shape → train → sync → device stats → [evaluate] → report → [checkpoint] → next.
 * Everything that reaches the trainer is in a fixed order, so a run is a function of its seed and settings.
 */
final class SynchronousDriver implements Driver {
    @Override
    public Behavior<Master.Command> behavior(MasterKernel kernel) {
        return new Phases(kernel).begin(kernel.first());
    }

    private record Phases(MasterKernel k) {
        /** The unfinished trajectories of earlier iterations are resumed first. */
        Behavior<Master.Command> begin(Run run) {
            Iteration it = Iteration.begin(k.now());
            k.roles().replay().tell(new ReplayBuffer.TakeUnfinished(k.adapter(ReplayBuffer.Unfinished.class,
                    GotUnfinished::new)));
            return k.await(run, GotUnfinished.class, (r, u) -> rollout(r, it, u.u().trajectories()));
        }

        /** Resumed and fresh jobs through work pulling, until every batch is done and stored. */
        Behavior<Master.Command> rollout(Run run, Iteration it, List<Trajectory> unfinished) {
            return k.rollout(run, k.jobs(run, unfinished), (r, stats) -> groups(r, it.rolledOut(stats)));
        }

        /** Every emitted trajectory has reached the buffer: take the complete groups, record their success. */
        Behavior<Master.Command> groups(Run run, Iteration it) {
            k.roles().replay().tell(new ReplayBuffer.TakeBatch(run.expectedReceived(),
                    k.adapter(ReplayBuffer.Groups.class, GotGroups::new)));
            return k.await(run, GotGroups.class, (r, g) -> shape(r, it.grouped(k.now()), k.groups(g.g().groups())));
        }

        Behavior<Master.Command> shape(Run run, Iteration it, List<List<Trajectory>> groups) {
            k.roles().reward().tell(new RewardActor.ShapeGroups(groups, run.iteration(),
                    k.adapter(RewardActor.Shaped.class, GotShaped::new)));
            return k.await(run, GotShaped.class, (r, s) -> train(r, it.shaped(s.s().trajectories(), k.now())));
        }

        Behavior<Master.Command> train(Run run, Iteration it) {
            k.roles().trainer().tell(new Trainer.Train(new TrajectoryBatch(run.version(), it.batch()),
                    k.adapter(Trainer.Trained.class, GotTrained::new)));
            return k.await(run, GotTrained.class, (r, t) -> sync(r.withVersion(t.t().version()),
                    it.trained(t.t().loss(), k.now())));
        }

        /** Every live worker switches to the new version before the next rollout. */
        Behavior<Master.Command> sync(Run run, Iteration it) {
            return k.loadWeights(run, r -> deviceStats(r, it.synced(k.now())));
        }

        Behavior<Master.Command> deviceStats(Run run, Iteration it) {
            return k.handoff(run, (r, millis) -> evaluate(r, it.withHandoffMillis(millis)));
        }

        Behavior<Master.Command> evaluate(Run run, Iteration it) {
            if (!k.evaluates(run)) {
                return report(run, it, Double.NaN);
            }
            k.roles().trainer().tell(new Trainer.Evaluate(k.settings().heldOut(), k.settings().evalMaxTokens(),
                    k.adapter(Evaluator.Result.class, GotEvaluation::new)));
            return k.await(run, GotEvaluation.class, (r, e) -> report(r, it, e.r().accuracy()));
        }

        Behavior<Master.Command> report(Run run, Iteration it, double heldOutAccuracy) {
            Run reported = k.report(run, it.report(run, heldOutAccuracy, k.now()));
            boolean last = k.endsAfter(reported);
            return k.checkpointsAfter(reported, last) ? k.checkpoint(reported, r -> next(r, last)) : next(reported, last);
        }

        Behavior<Master.Command> next(Run run, boolean last) {
            return last ? k.finish(run) : begin(run.next());
        }
    }

    private record GotUnfinished(ReplayBuffer.Unfinished u) implements Master.Internal {
    }

    private record GotGroups(ReplayBuffer.Groups g) implements Master.Internal {
    }

    private record GotShaped(RewardActor.Shaped s) implements Master.Internal {
    }

    private record GotTrained(Trainer.Trained t) implements Master.Internal {
    }

    private record GotEvaluation(Evaluator.Result r) implements Master.Internal {
    }
}
