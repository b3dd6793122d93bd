package dev.tributary.runtime.node;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.Checkpointer;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.EngineRunner;
import dev.tributary.actors.rollout.RolloutWork;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.engine.EngineBackend;
import dev.tributary.model.engine.InferenceEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of an embedded (single-JVM, colocated) node: it wires the roles — arbiter, replay, reward, the
 * segment stream, trainer, rollout workers with their work-pulling consumers, master — starts the master, and
 * watches every role: a role that
 * fails or stops before the run is finished fails the run with the role's name and cause, instead of leaving
 * the master waiting for an answer that will never come.
 */
public final class EmbeddedGuardian {
    /** Builds a rollout worker's behaviour: the default runs an engine; tests and researchers swap it. */
    public interface RolloutBehavior {
        Behavior<RolloutWorker.Command> create(String name, JobSpec spec, TrajectorySink sink,
                                               ActorRef<DeviceArbiter.Command> arbiter);
    }

    public static final RolloutBehavior ENGINE = engine(EngineBackend.AUTO);

    /** A worker over an inference engine on {@code backend} ({@code tributary.model.engine}). */
    public static RolloutBehavior engine(EngineBackend backend) {
        return (name, spec, sink, arbiter) -> RolloutWorker.create(name, EngineRunner.factory(
                new InferenceEngine(spec.policy().params(), spec.rollout().slots(), backend), spec.rollout(), sink), arbiter);
    }

    /** A role failed or stopped before the run finished. */
    public static final class RoleFailedException extends RuntimeException {
        RoleFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private EmbeddedGuardian() {
    }

    /** A job without checkpoints and with the trainer as is. */
    public static Behavior<Void> create(JobSpec spec, RolloutBehavior rollout, Consumer<IterationReport> listener,
                                        CompletableFuture<Master.Finished> done) {
        return create(spec, rollout, listener, Checkpointer.NONE, done, (b, s) -> b);
    }

    /**
     * @param checkpointer     persists the run state when the master's settings say so
     * @param trainerDecorator wraps the trainer's behaviour (tests use {@code Behaviors.monitor}); identity otherwise
     */
    public static Behavior<Void> create(JobSpec spec, RolloutBehavior rollout, Consumer<IterationReport> listener,
                                        Checkpointer checkpointer, CompletableFuture<Master.Finished> done,
                                        BiFunction<Behavior<Trainer.Command>, JobSpec, Behavior<Trainer.Command>> trainerDecorator) {
        return create(spec, rollout, listener, checkpointer, () -> false, done, trainerDecorator);
    }

    /** @param stopRequested read by the master after each iteration: true ends the run there */
    public static Behavior<Void> create(JobSpec spec, RolloutBehavior rollout, Consumer<IterationReport> listener,
                                        Checkpointer checkpointer, BooleanSupplier stopRequested,
                                        CompletableFuture<Master.Finished> done,
                                        BiFunction<Behavior<Trainer.Command>, JobSpec, Behavior<Trainer.Command>> trainerDecorator) {
        return Behaviors.setup(ctx -> {
            var arbiter = ctx.spawn(DeviceArbiter.create(spec.deviceBudgetBytes()), "device");
            var replay = ctx.spawn(ReplayBuffer.create(spec.replayCapacity(), spec.master().samplesPerPrompt()), "replay");
            var blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
            var reward = ctx.spawn(RewardActor.create(spec.reward(), spec.shaping(), blocking), "reward");
            var pipeline = new SegmentPipeline(ctx.getSystem(), reward, replay, spec.streamBuffer(), 4, spec.workers(),
                    Duration.ofMinutes(2));
            Behavior<Trainer.Command> trainerBehavior = Trainer.create(spec.policy(), spec.optimizer(), spec.loss(),
                    spec.task(), spec.trainer(), spec.startVersion(), arbiter);
            var trainer = ctx.spawn(trainerDecorator.apply(trainerBehavior, spec), "trainer", DispatcherSelector.blocking());
            List<ActorRef<RolloutWorker.Command>> workers = new ArrayList<>();
            List<ActorRef<?>> consumers = new ArrayList<>();
            for (int w = 0; w < spec.workers(); w++) {
                var worker = ctx.spawn(rollout.create("rollout-" + w, spec, pipeline, arbiter), "rollout-" + w);
                workers.add(worker);
                consumers.add(ctx.spawn(RolloutWork.consumer(worker, pipeline, RolloutWork.KEY), "rollout-" + w
                        + "-work"));
            }
            var master = ctx.spawn(Master.create(spec.master(), spec.sampler(),
                    new Master.Roles(workers, replay, reward, trainer, arbiter), listener, checkpointer, stopRequested),
                    "master");
            ActorRef<Master.Finished> finished = ctx.spawn(Behaviors.receive(Master.Finished.class)
                    .onMessage(Master.Finished.class, f -> {
                        pipeline.close();
                        done.complete(f);
                        return Behaviors.stopped();
                    }).build(), "finish");
            List<ActorRef<?>> roles = new ArrayList<>(List.of(arbiter, replay, reward, trainer, master));
            roles.addAll(workers);
            roles.addAll(consumers);
            roles.forEach(ctx::watch);
            master.tell(new Master.Start(spec.startIteration(), spec.startVersion(), spec.restoredReplay(), finished));
            return Behaviors.<Void>receive(Void.class)
                    .onSignal(ChildFailed.class, f -> {
                        fail(done, pipeline, "role " + f.getRef().path().name() + " failed: "
                                + f.getCause().getMessage(), f.getCause());
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, t -> {
                        // The master stops itself right after sending Finished (its only way to stop normally),
                        // possibly before the finish actor has completed the run.
                        if (!t.getRef().equals(master)) {
                            fail(done, pipeline, "role " + t.getRef().path().name()
                                    + " stopped before the run finished", null);
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static void fail(CompletableFuture<Master.Finished> done, SegmentPipeline pipeline, String message,
                             Throwable cause) {
        if (!done.isDone()) {
            pipeline.close();
            done.completeExceptionally(new RoleFailedException(message, cause));
        }
    }
}
