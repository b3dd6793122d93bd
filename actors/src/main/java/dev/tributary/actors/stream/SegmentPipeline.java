package dev.tributary.actors.stream;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.model.Trajectory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rollout node's end of the segment stream: a bounded queue the node's workers offer to (blocking while it is
 * full), flowing through a {@link org.apache.pekko.stream.SinkRef} into the reward actor's scoring stage, which
 * flows through a second SinkRef into the replay buffer. Both refs are asked for when the pipeline is built; until
 * they arrive the queue simply back-pressures. Whether the reward and replay roles live on this node or another,
 * the path is the same, with at most {@code rewardParallelism} trajectories being scored and a bounded number in
 * flight per hop: a slow stage slows the engines.
 *
 * <p>If a partner node goes away, the stream fails: the next {@link #emit} or {@link #flush} fails with the cause,
 * and the stages on the other nodes log it. Nothing is retried here; the batch that was running is not confirmed
 * and work pulling hands it to another worker.
 */
public final class SegmentPipeline implements TrajectorySink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentPipeline.class);
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final SourceQueueWithComplete<SegmentStream.Element> queue;
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    private final int capacity;
    private final ActorRef<SegmentStream.Flushed> flushReplies;
    private final Executor executor;
    private final AtomicLong tokens = new AtomicLong();
    private final Map<Long, CompletableFuture<Void>> pendingFlushes = new ConcurrentHashMap<>();
    private volatile Throwable failure;

    public SegmentPipeline(ActorSystem<?> system, ActorRef<RewardActor.Command> reward,
                           ActorRef<ReplayBuffer.Command> replay, int buffer, int rewardParallelism, int producers,
                           Duration scoreTimeout) {
        CompletionStage<Sink<SegmentStream.Element, NotUsed>> toReward =
                AskPattern.<ReplayBuffer.Command, SegmentStream.Opened>ask(replay, ReplayBuffer.OpenStream::new,
                                OPEN_TIMEOUT, system.scheduler())
                        .thenCompose(toReplay -> AskPattern.<RewardActor.Command, SegmentStream.Opened>ask(reward,
                                r -> new RewardActor.OpenStream(toReplay.sink(), rewardParallelism,
                                        scoreTimeout.toMillis(), r),
                                OPEN_TIMEOUT, system.scheduler()))
                        .thenApply(opened -> opened.sink().getSink());
        Pair<SourceQueueWithComplete<SegmentStream.Element>, CompletionStage<Done>> m =
                Source.<SegmentStream.Element>queue(buffer, OverflowStrategy.backpressure(), 2 * producers)
                        .map(e -> {
                            if (e instanceof SegmentStream.Emitted) {
                                waiting.decrementAndGet();
                            }
                            return e;
                        })
                        .watchTermination(Keep.both())
                        .toMat(Sink.completionStageSink(toReward), Keep.left())
                        .run(system);
        this.queue = m.first();
        this.capacity = buffer;
        m.second().whenComplete((done, e) -> {
            if (e != null) {
                failure = e;
            }
            // Abrupt termination is this node shutting down, not a failure worth a warning.
            if (e != null && !(e instanceof AbruptStageTerminationException)) {
                LOG.warn("the segment stream from {} to reward {} and replay {} failed: {}", system.address(),
                        reward.path(), replay.path(), e.toString());
            }
            Throwable cause = e != null ? e : new IllegalStateException("the segment stream was closed");
            pendingFlushes.values().forEach(f -> f.completeExceptionally(cause));
        });
        long id = INSTANCES.incrementAndGet();
        this.executor = system.executionContext();
        // A node that shuts down ends its stream cleanly first, so the reward and replay nodes see a completion and
        // not a lost partner.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(),
                "close-segment-stream-" + id, () -> {
                    queue.complete();
                    return m.second().handle((done, e) -> Done.getInstance());
                });
        this.flushReplies = system.systemActorOf(Behaviors.receive(SegmentStream.Flushed.class)
                .onMessage(SegmentStream.Flushed.class, f -> {
                    CompletableFuture<Void> pending = pendingFlushes.remove(f.token());
                    if (pending != null) {
                        pending.complete(null);
                    }
                    return Behaviors.same();
                }).build(), "segment-flush-" + id, Props.empty());
    }

    /** Blocks until the trajectory is accepted into the bounded queue. */
    @Override
    public void emit(Trajectory t) throws InterruptedException {
        waiting.incrementAndGet();
        boolean enqueued = false;
        try {
            offer(new SegmentStream.Emitted(t), "trajectory " + t.id());
            enqueued = true;
        } finally {
            if (!enqueued) {
                waiting.decrementAndGet();
            }
        }
    }

    /**
     * Trajectories this node's workers have handed to the stream that have not yet left its queue for the reward
     * node: those queued, and those whose workers are blocked offering them to a full queue.
     */
    public int waiting() {
        return Math.max(0, waiting.get());
    }

    /** The queue's capacity, in trajectories. */
    public int capacity() {
        return capacity;
    }

    @Override
    public CompletionStage<Void> flush() {
        long token = tokens.incrementAndGet();
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        pendingFlushes.put(token, flushed);
        if (failure != null) {
            flushed.completeExceptionally(failure);
        }
        // On the system's dispatcher: a callback on a stage Pekko returns otherwise runs on the common pool, which
        // on a 2-core machine starts a new thread per call.
        queue.offer(new SegmentStream.Flush(token, flushReplies)).whenCompleteAsync((r, e) -> {
            if (e != null || r != QueueOfferResult.enqueued()) {
                flushed.completeExceptionally(e != null ? e
                        : new IllegalStateException("segment stream refused a flush marker: " + r));
            }
        }, executor);
        return flushed.whenComplete((ok, e) -> pendingFlushes.remove(token));
    }

    private void offer(SegmentStream.Element element, String what) throws InterruptedException {
        try {
            QueueOfferResult r = queue.offer(element).toCompletableFuture().get();
            if (r != QueueOfferResult.enqueued()) {
                throw new IllegalStateException("segment stream refused " + what + ": " + r);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("segment stream failed while offering " + what + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** True once the stream failed (a partner node went away): nothing emitted any more reaches the buffer. */
    public boolean broken() {
        return failure != null;
    }

    @Override
    public void close() {
        queue.complete();
    }
}
