package dev.tributary.actors.rollout;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The rollout role: a middle manager over an engine child that runs on the blocking dispatcher. For each batch
 * of jobs it acquires the device for the rollout phase, lets the engine generate (trajectories stream out through
 * the sink as they finish), has the engine free its KV cache, gives the device back and reports.
 */
public final class RolloutWorker extends AbstractBehavior<RolloutWorker.Command> {
    public sealed interface Command extends RemoteMessage permits Rollout, LoadWeights, NewVersion, Abandon, Quiesce,
            DeviceReply, EngineReply, GotWeights, GotNewer, Flushed {
    }

    /** Run {@code jobs} with the weights of {@code version}; answer {@link Done} when every job has emitted. */
    public record Rollout(List<RolloutJob> jobs, PolicyVersion version, ActorRef<Done> replyTo) implements Command {
    }

    /**
     * Switch to {@code version}. {@code weights} is null in colocated mode, where the engine shares the trainer's
     * parameter arrays; otherwise they are imported into the engine's own copy.
     */
    public record LoadWeights(PolicyVersion version, FlatWeights weights, ActorRef<Loaded> replyTo) implements Command {
    }

    /**
     * The trainer published {@code version} (asynchronous driver, in-flight updates): a worker with a weight source
     * fetches it in the background and its engine switches to it between two decode steps, in the middle of a batch
     * or at the start of the next. Colocated workers, and workers without in-flight updates, ignore it.
     */
    public record NewVersion(PolicyVersion version) implements Command {
    }

    private record GotNewer(PolicyVersion asked, FlatWeights weights, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {
    }

    /**
     * The run is rewinding (its trainer was lost): a batch that has not begun to generate, because its weights or
     * the device are still awaited, is answered at once as done with nothing emitted (its weights may never come);
     * a batch that is generating runs to its end. Either way the master can wait for every batch that is out.
     */
    public enum Abandon implements Command { INSTANCE }

    /**
     * A master taking over a run whose master was lost: abandon as {@link Abandon} does, let a generating batch end,
     * then answer {@link Quiet} once everything this worker emitted is stored downstream, so that nothing of the lost
     * master's work reaches the replay buffer after it has loaded a checkpoint.
     */
    public record Quiesce(ActorRef<Quiet> replyTo) implements Command {
    }

    /** Nothing of this worker's earlier work is in flight any more. */
    public record Quiet(String worker, ActorRef<Command> from) implements RemoteMessage {
    }

    private record Flushed(ActorRef<Quiet> replyTo, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {
    }

    private record DeviceReply(DeviceArbiter.Reply reply) implements Command {
    }

    private record EngineReply(EngineRunner.Reply reply) implements Command {
    }

    private record GotWeights(LoadWeights request, FlatWeights weights, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {
    }

    /**
     * Where a worker on its own node gets the weights of a version: from the trainer's node, over the network.
     * Colocated workers have none: they share the trainer's parameter arrays.
     */
    @FunctionalInterface
    public interface WeightSource {
        CompletionStage<FlatWeights> fetch(PolicyVersion version);
    }

    /** What one rollout batch did; {@code from} is the worker, so a master can tell which share is complete. */
    public record Done(String worker, RolloutStats stats, ActorRef<Command> from) implements RemoteMessage {
    }

    public record Loaded(String worker, PolicyVersion version, ActorRef<Command> from) implements RemoteMessage {
    }

    /** The dispatcher engines run on. */
    public static final String ENGINE_DISPATCHER = "tributary.engine-dispatcher";

    private final String name;
    private final ActorRef<DeviceArbiter.Command> arbiter;
    private final ActorRef<EngineRunner.Command> engine;
    private final ActorRef<DeviceArbiter.Reply> deviceAdapter;
    private final ActorRef<EngineRunner.Reply> engineAdapter;
    private final long cacheBytes;
    private final WeightSource weightSource;
    private final Consumer<PolicyVersion> onLoaded;
    /** Weights fetched in the background for the engine to switch to; null without in-flight updates. */
    private final InflightWeights inflight;
    /** The version a background fetch is under way for, or null. */
    private PolicyVersion prefetching;
    private Rollout current;
    /** The engine is generating {@link #current}. */
    private boolean generating;
    /** Weight fetches under way (a failed one is tried again), and those whose results are dropped (abandoned). */
    private final Set<LoadWeights> fetching = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<LoadWeights> abandonedFetches = Collections.newSetFromMap(new IdentityHashMap<>());
    private final TrajectorySink sink;
    /** Who asked for {@link Quiet} while a batch was generating; answered once it ends. */
    private final List<ActorRef<Quiet>> quiesced = new java.util.ArrayList<>();
    private PolicyVersion version = PolicyVersion.INITIAL;
    private RolloutStats stats;
    private long releaseStart;

    /**
     * @param weights  where weights come from when {@link LoadWeights} carries none; null when the engine shares the
     *                 trainer's parameter arrays (one JVM)
     * @param onLoaded called on the worker's thread once the engine holds a version's weights, before the loader
     *                 is answered (a node records what it holds after each sync)
     */
    public static Behavior<Command> create(String name, EngineRunner.Factory engineFactory,
                                           ActorRef<DeviceArbiter.Command> arbiter, WeightSource weights,
                                           Consumer<PolicyVersion> onLoaded) {
        return create(name, engineFactory, arbiter, weights, onLoaded, trajectory -> { });
    }

    /** @param sink where the engine's trajectories go, flushed before a {@link Quiet} answer */
    public static Behavior<Command> create(String name, EngineRunner.Factory engineFactory,
                                           ActorRef<DeviceArbiter.Command> arbiter, WeightSource weights,
                                           Consumer<PolicyVersion> onLoaded, TrajectorySink sink) {
        return create(name, engineFactory, arbiter, weights, onLoaded, sink, null);
    }

    /**
     * @param inflight where weights fetched after a {@link NewVersion} go for the engine to switch to between two
     *                 decode steps (the same object its {@link EngineRunner} was made with); null: between batches
     */
    public static Behavior<Command> create(String name, EngineRunner.Factory engineFactory,
                                           ActorRef<DeviceArbiter.Command> arbiter, WeightSource weights,
                                           Consumer<PolicyVersion> onLoaded, TrajectorySink sink,
                                           InflightWeights inflight) {
        return Behaviors.setup(ctx -> new RolloutWorker(ctx, name, engineFactory, arbiter, weights, onLoaded, sink,
                weights == null ? null : inflight));
    }

    private RolloutWorker(ActorContext<Command> ctx, String name, EngineRunner.Factory factory,
                          ActorRef<DeviceArbiter.Command> arbiter, WeightSource weightSource,
                          Consumer<PolicyVersion> onLoaded, TrajectorySink sink, InflightWeights inflight) {
        super(ctx);
        this.sink = sink;
        this.inflight = inflight;
        this.weightSource = weightSource;
        this.onLoaded = onLoaded;
        this.name = name;
        this.arbiter = arbiter;
        this.cacheBytes = factory.cacheBytes();
        // Not the blocking dispatcher reward scoring runs on (see tributary.engine-dispatcher in reference.conf).
        this.engine = ctx.spawn(Behaviors.supervise(factory.create()).onFailure(SupervisorStrategy.stop()), "engine",
                DispatcherSelector.fromConfig(ENGINE_DISPATCHER));
        // The engine runs each batch to completion or fails; a failed engine fails its worker, which the guardian
        // reports, rather than leaving the master waiting for a batch that never ends.
        ctx.watch(engine);
        this.deviceAdapter = ctx.messageAdapter(DeviceArbiter.Reply.class, DeviceReply::new);
        this.engineAdapter = ctx.messageAdapter(EngineRunner.Reply.class, EngineReply::new);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Rollout.class, this::onRollout)
                .onMessage(LoadWeights.class, this::onLoadWeights)
                .onMessage(NewVersion.class, this::onNewVersion)
                .onMessage(GotNewer.class, this::onGotNewer)
                .onMessage(Abandon.class, a -> onAbandon())
                .onMessage(Quiesce.class, q -> {
                    onAbandon();
                    if (current == null) {
                        flushThenAnswer(q.replyTo());
                    } else {
                        quiesced.add(q.replyTo());
                    }
                    return this;
                })
                .onMessage(Flushed.class, f -> {
                    if (f.failure() != null) {
                        getContext().getLog().warn("rollout worker {}: its trajectories may not all be stored: {}",
                                name, f.failure().getMessage());
                    }
                    f.replyTo().tell(new Quiet(name, getContext().getSelf()));
                    return this;
                })
                .onMessage(DeviceReply.class, this::onDevice)
                .onMessage(EngineReply.class, this::onEngine)
                .onMessage(GotWeights.class, this::onGotWeights)
                .onSignal(ChildFailed.class, f -> {
                    throw new IllegalStateException("the engine of rollout worker " + name + " failed: "
                            + f.getCause().getMessage(), f.getCause());
                })
                .onSignal(Terminated.class, t -> {
                    throw new IllegalStateException("the engine of rollout worker " + name + " stopped");
                })
                .build();
    }

    private Behavior<Command> onRollout(Rollout r) {
        if (current != null) {
            throw new IllegalStateException("rollout worker " + name + " got a batch while busy with another");
        }
        boolean newerHeld = weightSource != null && version.compareTo(r.version()) > 0;
        if (!r.version().equals(version) && !newerHeld) {
            if (weightSource == null) {
                throw new IllegalStateException("rollout for " + r.version() + " but worker " + name + " holds "
                        + version);
            }
            // A worker that joined after the run started, or missed a sync, catches up before it runs the batch,
            // with weights fetched in the background if they are new enough.
            current = r;
            FlatWeights ready = inflight == null ? null : inflight.takeAtLeast(r.version());
            if (ready != null) {
                engine.tell(new EngineRunner.Load(ready.version(), ready, getContext().getSystem().ignoreRef(),
                        engineAdapter));
            } else {
                fetchAndLoad(r.version(), getContext().getSystem().ignoreRef());
            }
            return this;
        }
        // A batch for an older version than the one held (asynchronous rollout) runs with the newer weights; every
        // segment records the version that generated it.
        current = r;
        acquireDevice();
        return this;
    }

    private void acquireDevice() {
        arbiter.tell(new DeviceArbiter.Acquire(DeviceArbiter.Phase.ROLLOUT, name, cacheBytes, deviceAdapter));
    }

    private Behavior<Command> onDevice(DeviceReply d) {
        if (d.reply() instanceof DeviceArbiter.Refused refused) {
            throw new IllegalStateException("rollout worker " + name + ": " + refused.reason());
        }
        if (current == null) {
            // Granted after its batch was abandoned: give the device back unused.
            arbiter.tell(new DeviceArbiter.Release(name, 0));
            return this;
        }
        generating = true;
        engine.tell(new EngineRunner.Run(current.jobs(), version, engineAdapter));
        return this;
    }

    private void flushThenAnswer(ActorRef<Quiet> replyTo) {
        getContext().pipeToSelf(sink.flush(), (ok, e) -> new Flushed(replyTo, e));
    }

    private Behavior<Command> onAbandon() {
        if (current != null && !generating) {
            getContext().getLog().info("rollout worker {} abandons a batch for {} that has not begun", name,
                    current.version());
            current.replyTo().tell(new Done(name, RolloutStats.EMPTY, getContext().getSelf()));
            current = null;
        }
        // The weights being fetched may have been published only by the lost trainer: none is waited for any more.
        abandonedFetches.addAll(fetching);
        fetching.clear();
        return this;
    }

    private Behavior<Command> onEngine(EngineReply e) {
        if (e.reply() instanceof EngineRunner.Finished f) {
            stats = f.stats();
            version = f.holds(); // newer when the engine swapped weights in the middle of the batch
            releaseStart = System.nanoTime();
            engine.tell(new EngineRunner.ReleaseMemory(engineAdapter));
        } else if (e.reply() instanceof EngineRunner.Released) {
            arbiter.tell(new DeviceArbiter.Release(name, (System.nanoTime() - releaseStart) / 1e6));
            current.replyTo().tell(new Done(name, stats, getContext().getSelf()));
            current = null;
            generating = false;
            quiesced.forEach(this::flushThenAnswer);
            quiesced.clear();
        } else if (e.reply() instanceof EngineRunner.Loaded l) {
            version = l.version();
            onLoaded.accept(version);
            l.replyTo().tell(new Loaded(name, version, getContext().getSelf()));
            if (current != null && version.compareTo(current.version()) >= 0) {
                acquireDevice();
            }
        }
        return this;
    }

    private Behavior<Command> onNewVersion(NewVersion n) {
        PolicyVersion v = n.version();
        PolicyVersion waiting = inflight == null ? null : inflight.waiting();
        if (inflight == null || v.compareTo(version) <= 0 || waiting != null && v.compareTo(waiting) <= 0
                || prefetching != null) {
            // Held, waiting, or a fetch is under way (a publisher serves its newest version: that fetch may bring it).
            return this;
        }
        prefetching = v;
        getContext().pipeToSelf(weightSource.fetch(v), (w, e) -> new GotNewer(v, w, e));
        return this;
    }

    private Behavior<Command> onGotNewer(GotNewer g) {
        prefetching = null;
        if (g.failure() != null) {
            // Nothing waits for these: the next batch for a newer version fetches what it needs.
            getContext().getLog().debug("rollout worker {}: background fetch of {} failed: {}", name, g.asked(),
                    g.failure().getMessage());
            return this;
        }
        if (g.weights().version().compareTo(version) > 0) {
            inflight.offer(g.weights());
        }
        return this;
    }

    private Behavior<Command> onLoadWeights(LoadWeights l) {
        if (current != null) {
            throw new IllegalStateException("weights " + l.version() + " arrived while worker " + name
                    + " is generating; weights switch between batches only");
        }
        if (l.weights() == null && weightSource != null) {
            fetchAndLoad(l.version(), l.replyTo());
            return this;
        }
        engine.tell(new EngineRunner.Load(l.version(), l.weights(), l.replyTo(), engineAdapter));
        return this;
    }

    private void fetchAndLoad(PolicyVersion v, ActorRef<Loaded> replyTo) {
        LoadWeights request = new LoadWeights(v, null, replyTo);
        fetching.add(request);
        fetch(request);
    }

    private void fetch(LoadWeights request) {
        getContext().pipeToSelf(weightSource.fetch(request.version()), (w, e) -> new GotWeights(request, w, e));
    }

    private Behavior<Command> onGotWeights(GotWeights g) {
        if (abandonedFetches.remove(g.request())) {
            // Fetched for a batch that was abandoned: nothing waits for these weights, and the run has rewound.
            getContext().getLog().info("rollout worker {}: weights {} of an abandoned batch are dropped{}", name,
                    g.request().version(), g.failure() == null ? "" : " (" + g.failure().getMessage() + ")");
            return this;
        }
        if (g.failure() != null) {
            // The fetch has tried several times already. The publisher may be gone (the trainer's node lost: the
            // master then abandons what waits for it) or slow; the worker stays, says so, and tries again.
            getContext().getLog().warn("rollout worker {} could not get the weights of {}: {}; trying again", name,
                    g.request().version(), g.failure().getMessage());
            fetch(g.request());
            return this;
        }
        fetching.remove(g.request());
        // A publisher holds only its newest version: a worker catching up may get a newer one than it asked for.
        if (g.weights().version().compareTo(g.request().version()) < 0) {
            throw new IllegalStateException("rollout worker " + name + " asked for " + g.request().version()
                    + " and got the older " + g.weights().version());
        }
        engine.tell(new EngineRunner.Load(g.weights().version(), g.weights(), g.request().replyTo(), engineAdapter));
        return this;
    }
}
