package dev.tributary.testkit;

import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.rollout.RolloutWorker;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The synthetic rollout behaviour: a worker speaking {@link RolloutWorker}'s protocol, shaped as the built-in one
 * (a middle manager over an executor child), whose child is a {@link SyntheticEngine} instead of an inference
 * engine. The worker fails if its engine fails, and stops if its engine stops. The engines run on a dispatcher of
 * their own ({@value #DISPATCHER}), not on the blocking one the built-in engine shares with reward scoring: with
 * more workers on the reward's node than that dispatcher's 16 threads, workers blocked on a full segment stream
 * would starve the scoring that drains it.
 */
final class SyntheticRollout implements RolloutBehavior {
    static final String DISPATCHER = "tributary.testkit.engine-dispatcher";

    private final LoadProfile profile;
    private final Ledger ledger;
    private final Workers workers;

    SyntheticRollout(LoadProfile profile, Ledger ledger, Workers workers) {
        this.profile = profile;
        this.ledger = ledger;
        this.workers = workers;
    }

    @Override
    public Behavior<RolloutWorker.Command> create(Worker worker) {
        return Behaviors.setup(ctx -> {
            var engine = ctx.spawn(SyntheticEngine.create(worker, ctx.getSelf(), profile, ledger), "engine",
                    DispatcherSelector.fromConfig(DISPATCHER));
            ctx.watch(engine);
            workers.add(ctx.getSystem(), engine);
            return Behaviors.receive(RolloutWorker.Command.class)
                    .onMessage(RolloutWorker.Rollout.class, r -> {
                        engine.tell(new SyntheticEngine.Run(r.jobs(), r.version(), r.replyTo()));
                        return Behaviors.same();
                    })
                    .onMessage(RolloutWorker.LoadWeights.class, l -> {
                        engine.tell(new SyntheticEngine.Load(l.version(), l.weights(), l.replyTo()));
                        return Behaviors.same();
                    })
                    .onSignal(ChildFailed.class, f -> {
                        throw new IllegalStateException("the synthetic engine of rollout worker " + worker.name()
                                + " failed: " + f.getCause().getMessage(), f.getCause());
                    })
                    .onSignal(Terminated.class, t -> Behaviors.stopped())
                    .build();
        });
    }
}
