package dev.tributary.runtime.cluster;

import dev.tributary.actors.trainer.Trainer;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Wraps a trainer so that the id of every trajectory it is given to train on is added to a list. */
final class TrainerSpy {
    private TrainerSpy() {
    }

    static UnaryOperator<Behavior<Trainer.Command>> recordingTrainedIds(List<String> ids) {
        return b -> Behaviors.setup(ctx -> {
            ActorRef<Trainer.Command> seen = ctx.spawn(Behaviors.receive(Trainer.Command.class)
                    .onMessage(Trainer.Train.class, t -> {
                        t.batch().trajectories().forEach(x -> ids.add(x.id()));
                        return Behaviors.same();
                    })
                    .onAnyMessage(m -> Behaviors.same()).build(), "spy");
            return Behaviors.monitor(Trainer.Command.class, seen, b);
        });
    }
}
