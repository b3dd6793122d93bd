package dev.tributary.actors.reward;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * How a reward function reaches the {@code reward-model} role: the servers the Receptionist lists (on this node or
 * others), kept up to date by {@link #subscriber}. {@link #probability} blocks (reward functions run on a blocking
 * dispatcher) until a server is listed and has answered, each within the timeout.
 */
public final class RewardModelLink {
    private final Duration timeout;
    private volatile ActorSystem<?> system;
    private volatile CompletableFuture<ActorRef<RewardModelServer.Command>[]> servers = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();

    public RewardModelLink(Duration timeout) {
        this.timeout = timeout;
    }

    /** Keeps {@code link} at the servers registered under {@code key}, on {@code link}'s node's system. */
    public static Behavior<Receptionist.Listing> subscriber(RewardModelLink link,
                                                           ServiceKey<RewardModelServer.Command> key) {
        return Behaviors.setup(ctx -> {
            link.system = ctx.getSystem();
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, ctx.getSelf()));
            return Behaviors.receiveMessage(listing -> {
                link.update(listing.getServiceInstances(key));
                return Behaviors.same();
            });
        });
    }

    @SuppressWarnings("unchecked")
    private synchronized void update(Set<ActorRef<RewardModelServer.Command>> listed) {
        ActorRef<RewardModelServer.Command>[] refs = listed.stream().sorted(java.util.Comparator.comparing(
                r -> r.path().toString())).toArray(ActorRef[]::new);
        if (refs.length == 0) {
            if (servers.isDone()) {
                servers = new CompletableFuture<>();
            }
        } else if (!servers.complete(refs)) {
            servers = CompletableFuture.completedFuture(refs);
        }
    }

    /** P(correct) from one of the listed servers (round robin); fails after the timeout or on the model's failure. */
    public double probability(int[] prompt, int[] response) {
        try {
            ActorRef<RewardModelServer.Command>[] refs = servers.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ActorRef<RewardModelServer.Command> server = refs[(int) Math.floorMod(next.getAndIncrement(), refs.length)];
            RewardModelServer.Scored s = AskPattern.<RewardModelServer.Command, RewardModelServer.Scored>ask(server,
                    r -> new RewardModelServer.Score(prompt, response, r), timeout, system.scheduler())
                    .toCompletableFuture().get();
            if (s.failure() != null) {
                throw new IllegalStateException("the reward model failed: " + s.failure());
            }
            return s.probability();
        } catch (TimeoutException e) {
            throw new IllegalStateException("no reward-model role was found within " + timeout.toSeconds()
                    + " s (start a node with --roles reward-model)", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reward model did not answer: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the reward model", e);
        }
    }
}
