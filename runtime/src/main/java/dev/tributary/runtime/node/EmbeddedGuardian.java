package dev.tributary.runtime.node;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.EngineRunner;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.actors.stream.SegmentPipeline;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.engine.InferenceEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of an embedded (single-JVM, colocated) node: it only wires the roles — arbiter, replay, reward,
 * the segment stream, trainer, rollout workers, master — and starts the master.
 */
public final class EmbeddedGuardian {
    /** Builds a rollout worker's behaviour: the default runs an engine; tests and researchers swap it. */
    public interface RolloutBehavior {
        Behavior<RolloutWorker.Command> create(String name, JobSpec spec, TrajectorySink sink,
                                               ActorRef<DeviceArbiter.Command> arbiter);
    }

    public static final RolloutBehavior ENGINE = (name, spec, sink, arbiter) -> RolloutWorker.create(name,
            EngineRunner.factory(new InferenceEngine(spec.policy().params(), spec.rollout().slots()), spec.rollout(), sink),
            arbiter);

    private EmbeddedGuardian() {
    }

    /**
     * @param trainerDecorator wraps the trainer's behaviour (tests use {@code Behaviors.monitor}); identity otherwise
     */
    public static Behavior<Void> create(JobSpec spec, RolloutBehavior rollout, Consumer<IterationReport> listener,
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
            for (int w = 0; w < spec.workers(); w++) {
                workers.add(ctx.spawn(rollout.create("rollout-" + w, spec, pipeline, arbiter), "rollout-" + w));
            }
            var master = ctx.spawn(Master.create(spec.master(), spec.sampler(), workers, replay, reward, trainer, listener),
                    "master");
            ActorRef<Master.Finished> finished = ctx.spawn(Behaviors.receive(Master.Finished.class)
                    .onMessage(Master.Finished.class, f -> {
                        pipeline.close();
                        done.complete(f);
                        return Behaviors.stopped();
                    }).build(), "finish");
            ctx.watch(master);
            master.tell(new Master.Start(spec.startIteration(), spec.startVersion(), finished));
            return Behaviors.<Void>receive(Void.class)
                    .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> {
                        if (!done.isDone()) {
                            done.completeExceptionally(new IllegalStateException("the master stopped before finishing"));
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
