package dev.tributary.actors.master;

import dev.tributary.streams.serialization.RemoteMessage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The master's node tells every node of a cluster run that the run failed and why, before it stops: each node
 * answers {@link Noted}, ends its part of the run with {@code reason}, and exits with a non-zero code, so that no
 * node is left running without a run.
 */
public record RunFailed(String reason, ActorRef<Noted> replyTo) implements RemoteMessage {
    public enum Noted implements RemoteMessage { INSTANCE }
}
