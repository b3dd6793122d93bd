package dev.tributary.actors.stream;

import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.SinkRef;

/**
 * What flows through the segment stream (rollout → reward → replay) and the messages that open its hops. Each hop
 * across nodes is a {@link SinkRef}: the receiving stage materializes it and hands it to the sender, so elements
 * cross with the stream's own demand, a bounded number in flight, and a failure when the partner node goes away.
 */
public final class SegmentStream {
    private SegmentStream() {
    }

    /** One element of the segment stream. */
    public sealed interface Element extends RemoteMessage permits Emitted, Flush {
    }

    /** A trajectory whose latest segment just finished (unscored until it passes the reward stage). */
    public record Emitted(Trajectory trajectory) implements Element {
    }

    /**
     * A marker after the trajectories a producer emitted before it: the replay buffer answers {@link Flushed} to
     * {@code replyTo} once it holds all of them, since every stage keeps the stream's order.
     */
    public record Flush(long token, ActorRef<Flushed> replyTo) implements Element {
    }

    public record Flushed(long token) implements RemoteMessage {
    }

    /** A hop of the stream was opened: {@code sink} is where the sender's elements go. */
    public record Opened(SinkRef<Element> sink) implements RemoteMessage {
    }
}
