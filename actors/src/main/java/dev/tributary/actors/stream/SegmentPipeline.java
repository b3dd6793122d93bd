package dev.tributary.actors.stream;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.rollout.TrajectorySink;
import dev.tributary.model.Trajectory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.typed.javadsl.ActorFlow;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * Rollout → reward → replay as one Pekko Streams graph with bounded buffers: a bounded queue the workers offer
 * to (blocking while it is full), at most {@code rewardParallelism} trajectories being scored, and a sink that
 * waits for the replay buffer's acknowledgement of each element. A slow stage therefore slows the engines.
 */
public final class SegmentPipeline implements TrajectorySink, AutoCloseable {
    private final SourceQueueWithComplete<Trajectory> queue;

    public SegmentPipeline(ActorSystem<?> system, ActorRef<RewardActor.Command> reward,
                           ActorRef<ReplayBuffer.Command> replay, int buffer, int rewardParallelism, int producers,
                           Duration scoreTimeout) {
        this.queue = Source.<Trajectory>queue(buffer, OverflowStrategy.backpressure(), producers)
                .via(ActorFlow.<Trajectory, RewardActor.Command, RewardActor.Scored>ask(rewardParallelism, reward,
                        scoreTimeout, RewardActor.Score::new))
                .map(RewardActor.Scored::trajectory)
                .to(ActorSink.actorRefWithBackpressure(replay,
                        (ActorRef<ReplayBuffer.Ack> ack, Trajectory t) -> new ReplayBuffer.Offer(t, ack),
                        ReplayBuffer.StreamStarted::new, ReplayBuffer.Ack.INSTANCE,
                        new ReplayBuffer.StreamEnded(null), ReplayBuffer.StreamEnded::new))
                .run(system);
    }

    /** Blocks until the trajectory is accepted into the bounded queue. */
    @Override
    public void emit(Trajectory t) throws InterruptedException {
        try {
            QueueOfferResult r = queue.offer(t).toCompletableFuture().get();
            if (r != QueueOfferResult.enqueued()) {
                throw new IllegalStateException("segment stream refused trajectory " + t.id() + ": " + r);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("segment stream failed while offering trajectory " + t.id(), e.getCause());
        }
    }

    @Override
    public void close() {
        queue.complete();
    }
}
