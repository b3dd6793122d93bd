package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutJob;
import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.model.PolicyVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.delivery.WorkPullingProducerController;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The master's child that hands rollout batches to workers through Reliable Delivery work pulling
 * ({@link RolloutWork}): whichever worker asks gets the next batch, and a lost worker's unconfirmed batches are
 * sent to the others by the producer controller. It answers a round once, when every batch is done.
 */
final class Dispatcher {
    sealed interface Command extends NoSerializationVerificationNeeded {
    }

    /**
     * Roll out {@code batches} (job lists) of {@code iteration} at {@code version}; answer {@link RolledOut} once
     * they are all done. Rounds of different iterations may be out at once.
     */
    record Dispatch(int iteration, List<List<RolloutJob>> batches, PolicyVersion version,
                    ActorRef<RolledOut> replyTo) implements Command {
        Dispatch {
            batches = List.copyOf(batches);
        }
    }

    /**
     * Send nothing more, and answer {@link Drained} once every batch that was handed out is done and stored (the
     * master is stopping after a lost role). Rounds are not answered any more.
     */
    record Drain(ActorRef<Drained> replyTo) implements Command {
    }

    record Drained() implements NoSerializationVerificationNeeded {
    }

    private record WorkRequested(WorkPullingProducerController.RequestNext<RolloutWork.Batch> next) implements Command {
    }

    private record Done(RolloutWork.BatchDone done) implements Command {
    }

    /** Every batch of round {@code iteration} is done and stored; {@code stats} is their answers added up. */
    record RolledOut(int iteration, RolloutStats stats) implements NoSerializationVerificationNeeded {
    }

    private Dispatcher() {
    }

    static Behavior<Command> create(String producerId,
                                    ServiceKey<ConsumerController.Command<RolloutWork.Batch>> workKey) {
        return Behaviors.setup(ctx -> {
            var work = ctx.spawn(WorkPullingProducerController.create(RolloutWork.Batch.class, producerId, workKey,
                    Optional.empty()), "work");
            work.tell(new WorkPullingProducerController.Start<>(ctx.messageAdapter(
                    WorkPullingProducerController.requestNextClass(), WorkRequested::new)));
            ActorRef<RolloutWork.BatchDone> doneTo = ctx.messageAdapter(RolloutWork.BatchDone.class, Done::new);
            return running(ctx, doneTo, WorkQueue.IDLE, null, Map.of());
        });
    }

    /**
     * @param sendNextTo where the next batch may go; null until the producer controller asks for one (it asks for
     *                   one batch at a time, and only while some worker has room for it)
     */
    private static Behavior<Command> running(ActorContext<Command> ctx, ActorRef<RolloutWork.BatchDone> doneTo,
                                             WorkQueue queue, ActorRef<RolloutWork.Batch> sendNextTo,
                                             Map<Integer, ActorRef<RolledOut>> replyTo) {
        return Behaviors.receive(Command.class)
                .onMessage(Dispatch.class, d -> {
                    Map<Integer, ActorRef<RolledOut>> to = new HashMap<>(replyTo);
                    to.put(d.iteration(), d.replyTo());
                    return send(ctx, doneTo, queue.offered(d.iteration(), batches(d, doneTo)), sendNextTo, to);
                })
                .onMessage(WorkRequested.class, r -> send(ctx, doneTo, queue, r.next().sendNextTo(), replyTo))
                .onMessage(Drain.class, d -> draining(queue.withoutUnsent(), d.replyTo()))
                .onMessage(Done.class, d -> {
                    WorkQueue after = queue.done(d.done().id(), d.done().done().stats());
                    Map<Integer, ActorRef<RolledOut>> to = replyTo;
                    for (var c = after.completed(); c.isPresent(); c = after.completed()) {
                        to = new HashMap<>(to);
                        to.remove(c.get().round()).tell(new RolledOut(c.get().round(), c.get().stats()));
                        after = after.without(c.get().round());
                    }
                    return running(ctx, doneTo, after, sendNextTo, Map.copyOf(to));
                })
                .build();
    }

    private static Behavior<Command> draining(WorkQueue queue, ActorRef<Drained> replyTo) {
        if (queue.nothingOut()) {
            replyTo.tell(new Drained());
            return Behaviors.ignore();
        }
        return Behaviors.receive(Command.class)
                .onMessage(Done.class, d -> draining(queue.done(d.done().id(), d.done().done().stats()), replyTo))
                .build();
    }

    private static Behavior<Command> send(ActorContext<Command> ctx, ActorRef<RolloutWork.BatchDone> doneTo,
                                          WorkQueue queue, ActorRef<RolloutWork.Batch> sendNextTo,
                                          Map<Integer, ActorRef<RolledOut>> replyTo) {
        if (sendNextTo != null && queue.hasUnsent()) {
            sendNextTo.tell(queue.head());
            return running(ctx, doneTo, queue.sentHead(), null, replyTo);
        }
        return running(ctx, doneTo, queue, sendNextTo, replyTo);
    }

    private static List<RolloutWork.Batch> batches(Dispatch d, ActorRef<RolloutWork.BatchDone> doneTo) {
        List<RolloutWork.Batch> out = new ArrayList<>();
        for (int b = 0; b < d.batches().size(); b++) {
            out.add(new RolloutWork.Batch(Jobs.batchId(d.iteration(), b), d.batches().get(b), d.version(), doneTo));
        }
        return out;
    }
}
