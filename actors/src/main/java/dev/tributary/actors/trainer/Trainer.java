package dev.tributary.actors.trainer;

import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.Task;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.streams.serialization.RemoteMessage;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The trainer role: trains on each batch with the configured {@link TrainerStep} (by default the configured
 * loss against the log-probs recorded by the generating policy, optimizer reset per iteration), and publishes the
 * next version. Runs its steps synchronously: spawn it on the blocking dispatcher.
 */
public final class Trainer extends AbstractBehavior<Trainer.Command> {
    public sealed interface Command extends RemoteMessage permits Train, Evaluate, GetWeights, GetSnapshot, SavePart,
            LoadPart, DeviceReply {
    }

    public record Train(TrajectoryBatch batch, ActorRef<Trained> replyTo) implements Command {
    }

    /** Greedy exact match of the current weights on {@code prompts}. */
    public record Evaluate(List<Prompt> prompts, int maxNewTokens, ActorRef<Evaluator.Result> replyTo) implements Command {
    }

    public record GetWeights(ActorRef<FlatWeights> replyTo) implements Command {
    }

    /** The weights and a copy of the optimizer's state, for checkpoints; answered between batches. */
    public record GetSnapshot(ActorRef<Snapshot> replyTo) implements Command {
    }

    /** Write the trainer's part of checkpoint {@code iteration} (weights and optimizer state) where it lives. */
    public record SavePart(int iteration, ActorRef<PartReply> replyTo) implements Command {
    }

    /**
     * Load the trainer's part of checkpoint {@code iteration}: the run rewinds to it (a replacement trainer, a new
     * master, a resume). The weights are published as the checkpoint's version before the answer.
     */
    public record LoadPart(int iteration, ActorRef<PartReply> replyTo) implements Command {
    }

    /** @param optimizerMoments Adam's state per parameter name (copies), {@code optimizerStep} its step count */
    public record Snapshot(FlatWeights weights, Map<String, float[]> optimizerMoments, int optimizerStep)
            implements RemoteMessage {
    }

    private record DeviceReply(DeviceArbiter.Reply reply) implements Command {
    }

    /** The new version, the loss of the last step, and what training took. */
    public record Trained(PolicyVersion version, double loss, int samples, int steps, double seconds)
            implements RemoteMessage {
    }

    /**
     * Training hyper-parameters.
     *
     * @param stepsPerIteration optimizer steps per batch, each over one minibatch; the minibatches are the batch's
     *                          prompt groups shuffled and dealt in order, reshuffled when every one has been used
     * @param minibatchSize     trajectories per step, rounded to whole prompt groups (the loss's baseline is per
     *                          group), at least one group
     * @param maxSegmentAge     segments more than this many versions old are masked out of the loss; 0 keeps all
     * @param workingBytes      memory the trainer asks the device arbiter for
     * @param seed              seed of the minibatch shuffle (mixed with the version, so every batch differs)
     * @param microbatchTokens  padded token positions per forward/backward pass: a minibatch is cut into
     *                          length-sorted micro-batches whose gradients are summed; 0 runs it in one pass
     */
    public record Settings(int stepsPerIteration, int minibatchSize, boolean resetOptimizer, int maxSegmentAge,
                           long workingBytes, long seed, int microbatchTokens) {
        /** Settings that run each minibatch in one pass. */
        public Settings(int stepsPerIteration, int minibatchSize, boolean resetOptimizer, int maxSegmentAge,
                        long workingBytes, long seed) {
            this(stepsPerIteration, minibatchSize, resetOptimizer, maxSegmentAge, workingBytes, seed, 0);
        }

        public Settings {
            Require.nonNegative(microbatchTokens, "trainer micro-batch tokens");
            Require.positive(stepsPerIteration, "trainer steps per iteration");
            Require.positive(minibatchSize, "trainer minibatch size");
            Require.nonNegative(maxSegmentAge, "max segment age");
            Require.positive(workingBytes, "trainer working bytes");
        }
    }

    /** The name of this role's checkpoint part. */
    public static final String PART = "trainer";

    private final Policy policy;
    private final Optimizer optimizer;
    private final TrainerStep step;
    private final Task task;
    private final Settings settings;
    private final ActorRef<DeviceArbiter.Command> arbiter;
    private final ActorRef<DeviceArbiter.Reply> deviceAdapter;
    private final Consumer<FlatWeights> publish;
    private final CheckpointParts parts;
    private PolicyVersion version;
    private Train pending;

    /**
     * @param step    what training on a batch does ({@code tributary.trainer.step})
     * @param publish given each new version's weights before {@link Trained} is answered (rollout workers on other
     *                nodes fetch them from there); null when the workers share the trainer's parameter arrays
     * @param parts   where {@link SavePart} and {@link LoadPart} write and read ({@link CheckpointParts#NONE}: off)
     */
    public static Behavior<Command> create(Policy policy, Optimizer optimizer, TrainerStep step, Task task,
                                           Settings settings, PolicyVersion start,
                                           ActorRef<DeviceArbiter.Command> arbiter, Consumer<FlatWeights> publish,
                                           CheckpointParts parts) {
        return Behaviors.setup(ctx -> new Trainer(ctx, policy, optimizer, step, task, settings, start, arbiter, publish,
                parts));
    }

    private Trainer(ActorContext<Command> ctx, Policy policy, Optimizer optimizer, TrainerStep step, Task task,
                    Settings settings, PolicyVersion start, ActorRef<DeviceArbiter.Command> arbiter,
                    Consumer<FlatWeights> publish, CheckpointParts parts) {
        super(ctx);
        this.publish = publish;
        this.parts = parts;
        this.policy = policy;
        this.optimizer = optimizer;
        this.step = step;
        this.task = task;
        this.settings = settings;
        this.version = start;
        this.arbiter = arbiter;
        this.deviceAdapter = ctx.messageAdapter(DeviceArbiter.Reply.class, DeviceReply::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Train.class, this::onTrain)
                .onMessage(DeviceReply.class, this::onDevice)
                .onMessage(Evaluate.class, this::onEvaluate)
                .onMessage(GetWeights.class, g -> {
                    g.replyTo().tell(FlatWeights.export(policy.params(), version));
                    return this;
                })
                .onMessage(GetSnapshot.class, this::onSnapshot)
                .onMessage(SavePart.class, this::onSavePart)
                .onMessage(LoadPart.class, this::onLoadPart)
                .build();
    }

    private Behavior<Command> onTrain(Train t) {
        if (pending != null) {
            throw new IllegalStateException("trainer got a batch while training another");
        }
        if (!t.batch().version().equals(version)) {
            throw new IllegalArgumentException("batch for " + t.batch().version() + " but the trainer is at " + version);
        }
        pending = t;
        arbiter.tell(new DeviceArbiter.Acquire(DeviceArbiter.Phase.TRAIN, "trainer", settings.workingBytes(),
                deviceAdapter));
        return this;
    }

    private Behavior<Command> onDevice(DeviceReply d) {
        if (d.reply() instanceof DeviceArbiter.Refused r) {
            throw new IllegalStateException("trainer: " + r.reason());
        }
        Train t = pending;
        if (t == null) {
            arbiter.tell(new DeviceArbiter.Release("trainer")); // the batch was abandoned by a rewind
            return this;
        }
        pending = null;
        long start = System.nanoTime();
        TrainerStep.Outcome outcome = step.train(t.batch(), version);
        version = version.next();
        if (publish != null) {
            publish.accept(FlatWeights.export(policy.params(), version));
        }
        arbiter.tell(new DeviceArbiter.Release("trainer"));
        t.replyTo().tell(new Trained(version, outcome.loss(), t.batch().size(), outcome.steps(),
                (System.nanoTime() - start) / 1e9));
        return this;
    }

    private Behavior<Command> onSnapshot(GetSnapshot g) {
        g.replyTo().tell(snapshot());
        return this;
    }

    private Snapshot snapshot() {
        return new Snapshot(FlatWeights.export(policy.params(), version), optimizer.stateCopy(), optimizer.iteration());
    }

    private Behavior<Command> onSavePart(SavePart s) {
        try {
            s.replyTo().tell(parts.writeTrainer(s.iteration(), snapshot()));
        } catch (IOException | RuntimeException e) {
            s.replyTo().tell(new PartReply.Failed(PART, s.iteration(), String.valueOf(e.getMessage())));
        }
        return this;
    }

    private Behavior<Command> onLoadPart(LoadPart l) {
        Snapshot s;
        try {
            s = parts.readTrainer(l.iteration());
        } catch (IOException | RuntimeException e) {
            l.replyTo().tell(new PartReply.Failed(PART, l.iteration(), String.valueOf(e.getMessage())));
            return this;
        }
        // A batch asked for before the rewind belongs to the run that was abandoned: it is not answered.
        pending = null;
        s.weights().importInto(policy.params());
        Map<String, INDArray> moments = new HashMap<>();
        s.optimizerMoments().forEach((name, m) -> moments.put(name, Nd4j.create(m)));
        optimizer.restore(moments, s.optimizerStep());
        version = s.weights().version();
        if (publish != null) {
            publish.accept(FlatWeights.export(policy.params(), version));
        }
        l.replyTo().tell(new PartReply.Loaded(PART, l.iteration(), version));
        return this;
    }

    private Behavior<Command> onEvaluate(Evaluate e) {
        InferenceEngine engine = new InferenceEngine(policy.params(), Math.min(64, Math.max(1, e.prompts().size())));
        try {
            e.replyTo().tell(Evaluator.exactMatch(engine, task, e.prompts(), e.maxNewTokens()));
        } finally {
            engine.release();
        }
        return this;
    }
}
