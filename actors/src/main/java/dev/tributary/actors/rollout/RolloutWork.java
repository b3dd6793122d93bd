package dev.tributary.actors.rollout;

import dev.tributary.model.PolicyVersion;
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.List;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * How rollout jobs reach workers: Pekko Reliable Delivery work pulling. The master puts each iteration's jobs in
 * {@link Batch}es into a {@code WorkPullingProducerController}; every worker has a {@link #consumer} beside it
 * whose {@code ConsumerController} is registered under a service key, so the producer finds workers wherever they
 * run and sends a batch only to one that asked for work.
 *
 * <p>A batch is confirmed only after the worker has answered it <em>and</em> its trajectories are stored in the
 * replay buffer ({@link TrajectorySink#flush}). A worker lost before that (its node downed, its engine failed, its
 * stream broken) never confirms, and the producer hands its unconfirmed batches to other workers. A job's random
 * stream depends only on its trajectory, so the re-run emits what the lost one would have, and the replay buffer
 * drops any copy of what had already arrived: every trajectory is trained on exactly once.
 */
public final class RolloutWork {
    /** The default key under which workers' consumer controllers register. */
    public static final ServiceKey<ConsumerController.Command<Batch>> KEY =
            ServiceKey.create(ConsumerController.serviceKeyClass(), "tributary-rollout-work");

    /** Jobs to roll out with the weights of {@code version}; {@code replyTo} gets {@link BatchDone}. */
    public record Batch(String id, List<RolloutJob> jobs, PolicyVersion version, ActorRef<BatchDone> replyTo)
            implements RemoteMessage {
        public Batch {
            jobs = List.copyOf(jobs);
            if (jobs.isEmpty()) {
                throw new IllegalArgumentException("rollout batch " + id + " has no jobs");
            }
        }
    }

    /** Batch {@code id} is done and stored; {@code done} is the worker's answer. */
    public record BatchDone(String id, RolloutWorker.Done done) implements RemoteMessage {
    }

    /** The consumer's own messages; none is meant to be sent from outside. */
    public sealed interface Command extends NoSerializationVerificationNeeded {
    }

    private record Delivered(ConsumerController.Delivery<Batch> delivery) implements Command {
    }

    private record WorkerDone(RolloutWorker.Done done) implements Command {
    }

    private record Flushed(Throwable failure) implements Command {
    }

    private RolloutWork() {
    }

    /**
     * Pulls batches for {@code worker} (which speaks {@link RolloutWorker.Rollout} → {@link RolloutWorker.Done}),
     * one at a time, and confirms each once {@code sink} is flushed. It stops when the worker stops, and fails when
     * a flush fails; either way its unconfirmed batch goes to another worker.
     */
    public static Behavior<Command> consumer(ActorRef<RolloutWorker.Command> worker, TrajectorySink sink,
                                          ServiceKey<ConsumerController.Command<Batch>> key) {
        return Behaviors.<Command>setup(ctx -> {
            ctx.watch(worker);
            // The smallest flow-control window that keeps flowing: with 3 the producer sends a worker at most two
            // unconfirmed batches (the one it runs and the next); with 2 it stalls after the first. The master cuts
            // an iteration into two batches per worker by default, so every worker gets its share at once.
            var controller = ctx.spawn(ConsumerController.create(key,
                    ConsumerController.Settings$.MODULE$.create(ctx.getSystem()).withFlowControlWindow(3)), "delivery");
            controller.tell(new ConsumerController.Start<>(ctx.messageAdapter(ConsumerController.deliveryClass(),
                    Delivered::new)));
            return idle(ctx, worker, sink);
        });
    }

    private static Behavior<Command> idle(ActorContext<Command> ctx, ActorRef<RolloutWorker.Command> worker,
                                          TrajectorySink sink) {
        return Behaviors.receive(Command.class)
                .onMessage(Delivered.class, d -> {
                    Batch b = d.delivery().message();
                    worker.tell(new RolloutWorker.Rollout(b.jobs(), b.version(),
                            ctx.messageAdapter(RolloutWorker.Done.class, WorkerDone::new)));
                    return running(ctx, worker, sink, d.delivery());
                })
                .onSignal(Terminated.class, t -> Behaviors.stopped())
                .build();
    }

    private static Behavior<Command> running(ActorContext<Command> ctx, ActorRef<RolloutWorker.Command> worker,
                                             TrajectorySink sink, ConsumerController.Delivery<Batch> delivery) {
        Batch batch = delivery.message();
        return Behaviors.receive(Command.class)
                .onMessage(WorkerDone.class, w -> {
                    ctx.pipeToSelf(sink.flush(), (ok, e) -> new Flushed(e));
                    return Behaviors.receive(Command.class)
                            .onMessage(Flushed.class, f -> {
                                if (f.failure() != null && shuttingDown(ctx)) {
                                    // The node is stopping (the run ended): an unstored batch is expected then.
                                    return Behaviors.stopped();
                                }
                                if (f.failure() != null) {
                                    throw new IllegalStateException("rollout batch " + batch.id() + " ran on "
                                            + worker.path() + " but its trajectories did not all reach the replay "
                                            + "buffer: " + f.failure().getMessage(), f.failure());
                                }
                                delivery.confirmTo().tell(ConsumerController.confirmed());
                                batch.replyTo().tell(new BatchDone(batch.id(), w.done()));
                                return idle(ctx, worker, sink);
                            })
                            .onSignal(Terminated.class, t -> Behaviors.stopped())
                            .build();
                })
                .onSignal(Terminated.class, t -> Behaviors.stopped())
                .build();
    }

    private static boolean shuttingDown(ActorContext<Command> ctx) {
        return CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason().isPresent();
    }
}
