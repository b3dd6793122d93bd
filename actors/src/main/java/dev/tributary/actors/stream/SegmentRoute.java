package dev.tributary.actors.stream;

import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.streams.serialization.RemoteMessage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a rollout node's segment stream goes, decided by the master. A cluster may carry several reward and replay
 * actors (standbys on other nodes); exactly one of each is active, and every rollout node must stream to the one the
 * master reads from. The master routes each rollout node when it joins and again after the active reward or replay
 * was replaced, and waits for {@link Routed} before it sends the node work.
 */
public final class SegmentRoute {
    private SegmentRoute() {
    }

    /** What a rollout node's router understands. */
    public sealed interface Command extends RemoteMessage permits Route {
    }

    /**
     * Stream this node's trajectories to {@code reward} and on to {@code replay} from now on (a stream to others is
     * closed); answer {@link Routed} once the new stream takes the node's trajectories.
     */
    public record Route(ActorRef<RewardActor.Command> reward, ActorRef<ReplayBuffer.Command> replay,
                        ActorRef<Routed> replyTo) implements Command {
    }

    /** The node {@code node} streams where it was routed; {@code from} is its router. */
    public record Routed(String node, ActorRef<Command> from) implements RemoteMessage {
    }
}
