package dev.tributary.runtime.internal;

import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.Prompt;
import dev.tributary.model.train.Evaluator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The held-out accuracy of the RL starting point (the policy right after the SFT warm-up) travels from the
 * trainer's node, where the warm-up measured it, to the node running the master, which records it in
 * {@code run.properties} and draws it as the reference line of {@code curves.png}, as the embedded run does. The
 * trainer's node offers the measurement under {@link #KEY}, answering {@link Trainer.Evaluate} of the held-out set
 * with it (both are registered remote messages); asking the trainer itself could be answered after it had already
 * trained on iteration 1.
 */
final class StartingPoint {
    /** The trainer node's offer of its post-SFT measurement. */
    static final ServiceKey<Trainer.Command> KEY = ServiceKey.create(Trainer.Command.class, "tributary-rl-start");

    private StartingPoint() {
    }

    /**
     * On the trainer's node: registers under {@link #KEY} and answers an {@link Trainer.Evaluate} of exactly
     * {@code heldOut} with {@code maxNewTokens} with {@code measured}; any other question with a NaN accuracy (this
     * actor holds no weights to score it with). Other commands are ignored.
     */
    static Behavior<Trainer.Command> offer(Evaluator.Result measured, List<Prompt> heldOut, int maxNewTokens) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            return Behaviors.receive(Trainer.Command.class)
                    .onMessage(Trainer.Evaluate.class, e -> {
                        boolean same = e.maxNewTokens() == maxNewTokens && e.prompts().equals(heldOut);
                        e.replyTo().tell(same ? measured : new Evaluator.Result(Double.NaN, Double.NaN, 0));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * On a node that may run the master: asks the first offer found for the held-out accuracy after SFT and
     * completes {@code accuracy} with it (NaN when the offer could not answer), and keeps {@code rolloutWorkers}
     * at the number of rollout workers registered in the cluster.
     */
    static Behavior<Receptionist.Listing> watch(List<Prompt> heldOut, int maxNewTokens,
                                                CompletableFuture<Double> accuracy, AtomicInteger rolloutWorkers) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, ctx.getSelf()));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(RoleKeys.ROLLOUT_KEY, ctx.getSelf()));
            boolean[] asked = {false};
            return Behaviors.receive(Receptionist.Listing.class)
                    .onMessage(Receptionist.Listing.class, l -> {
                        if (l.isForKey(RoleKeys.ROLLOUT_KEY)) {
                            rolloutWorkers.set(l.getServiceInstances(RoleKeys.ROLLOUT_KEY).size());
                        } else if (l.isForKey(KEY) && !asked[0] && !l.getServiceInstances(KEY).isEmpty()) {
                            asked[0] = true;
                            var answer = ctx.spawn(Behaviors.receive(Evaluator.Result.class)
                                    .onMessage(Evaluator.Result.class, r -> {
                                        accuracy.complete(r.accuracy());
                                        return Behaviors.stopped();
                                    }).build(), "sft-accuracy");
                            l.getServiceInstances(KEY).iterator().next()
                                    .tell(new Trainer.Evaluate(heldOut, maxNewTokens, answer));
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
