package dev.tributary.runtime.internal;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.trainer.Trainer;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The master role of a node: finds the other roles through the Receptionist (the same way in one JVM and on a
 * cluster, where this is a singleton), waits until the replay buffer, the reward actor, the trainer and enough
 * rollout workers are registered, then runs the master over them with the chosen driver. It completes the run
 * when the master answers {@link Master.Finished}, and fails it, naming the cause, when the master fails.
 */
final class MasterRole {
    sealed interface Command {
    }

    private record Listed(Receptionist.Listing listing) implements Command {
    }

    private record Ended(Master.Finished finished) implements Command {
    }

    private static final List<ServiceKey<?>> KEYS = List.of(RoleKeys.ROLLOUT_KEY, RoleKeys.REWARD_KEY,
            RoleKeys.REPLAY_KEY, RoleKeys.TRAINER_KEY, RoleKeys.ARBITER_KEY);

    /** What has been found so far. */
    private record Found(List<ActorRef<RolloutWorker.Command>> workers, ActorRef<RewardActor.Command> reward,
                         ActorRef<ReplayBuffer.Command> replay, ActorRef<Trainer.Command> trainer,
                         List<ActorRef<DeviceArbiter.Command>> arbiters) {
        static final Found NOTHING = new Found(List.of(), null, null, null, List.of());

        Found with(Receptionist.Listing l) {
            if (l.isForKey(RoleKeys.ROLLOUT_KEY)) {
                return new Found(sorted(l.getServiceInstances(RoleKeys.ROLLOUT_KEY)), reward, replay, trainer, arbiters);
            } else if (l.isForKey(RoleKeys.REWARD_KEY)) {
                return new Found(workers, first(l.getServiceInstances(RoleKeys.REWARD_KEY)), replay, trainer, arbiters);
            } else if (l.isForKey(RoleKeys.REPLAY_KEY)) {
                return new Found(workers, reward, first(l.getServiceInstances(RoleKeys.REPLAY_KEY)), trainer, arbiters);
            } else if (l.isForKey(RoleKeys.TRAINER_KEY)) {
                return new Found(workers, reward, replay, first(l.getServiceInstances(RoleKeys.TRAINER_KEY)), arbiters);
            } else if (l.isForKey(RoleKeys.ARBITER_KEY)) {
                return new Found(workers, reward, replay, trainer, sorted(l.getServiceInstances(RoleKeys.ARBITER_KEY)));
            }
            return this;
        }

        boolean ready(int minWorkers) {
            return workers.size() >= minWorkers && reward != null && replay != null && trainer != null;
        }

        private static <T> List<ActorRef<T>> sorted(java.util.Set<ActorRef<T>> refs) {
            return refs.stream().sorted(Comparator.comparing(r -> r.path().toString())).toList();
        }

        private static <T> ActorRef<T> first(java.util.Set<ActorRef<T>> refs) {
            return sorted(refs).stream().findFirst().orElse(null);
        }
    }

    private MasterRole() {
    }

    static Behavior<Command> create(RunParts parts, RoleWiring.Plan plan, int minWorkers) {
        return Behaviors.setup(ctx -> {
            ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, Listed::new);
            for (ServiceKey<?> key : KEYS) {
                ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, listings));
            }
            return waiting(parts, plan, minWorkers, Found.NOTHING);
        });
    }

    private static Behavior<Command> waiting(RunParts parts, RoleWiring.Plan plan, int minWorkers, Found found) {
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, l -> {
                    Found now = found.with(l.listing());
                    return now.ready(minWorkers) ? Behaviors.setup(ctx -> running(ctx, parts, plan, now))
                            : waiting(parts, plan, minWorkers, now);
                })
                .build();
    }

    private static Behavior<Command> running(ActorContext<Command> ctx, RunParts parts, RoleWiring.Plan plan,
                                             Found found) {
        var roles = new Master.Roles(found.workers(), found.replay(), found.reward(), found.trainer(),
                found.arbiters());
        var sampler = parts.sampler();
        if (!plan.start().samplerStats().isEmpty()) {
            sampler.restore(plan.start().samplerStats());
        }
        var setup = new Master.Setup(parts.masterSettings(), sampler, roles, plan.listener(),
                plan.checkpointer(), plan.stopRequested(), RolloutWork.KEY, parts.driver());
        var master = ctx.spawn(Master.create(setup), "driver");
        ctx.watch(master);
        var start = plan.start();
        master.tell(new Master.Start(start.iteration(), start.version(), start.replay(),
                ctx.messageAdapter(Master.Finished.class, Ended::new)));
        return Behaviors.receive(Command.class)
                .onMessage(Ended.class, e -> {
                    plan.done().complete(e.finished());
                    return Behaviors.stopped();
                })
                .onMessage(Listed.class, l -> Behaviors.same())
                .onSignal(ChildFailed.class, f -> {
                    plan.failure().accept(f.getCause());
                    return Behaviors.stopped();
                })
                .onSignal(Terminated.class, t -> {
                    // The master stops itself after answering Finished; that answer may still be on its way here.
                    return Behaviors.same();
                })
                .build();
    }
}
