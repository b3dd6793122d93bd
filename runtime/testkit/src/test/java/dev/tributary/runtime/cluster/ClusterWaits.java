package dev.tributary.runtime.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.cluster.typed.Unsubscribe;

/**
 * Waits on what a node is told (its cluster's membership events, its receptionist's listings) instead of polling its
 * state: an actor on the node subscribes, checks the condition on each event, and completes a future.
 */
final class ClusterWaits {
    private static final AtomicInteger WAITERS = new AtomicInteger();

    private ClusterWaits() {
    }

    /** Waits at most {@code max} until {@code system} sees {@code count} members or more Up. */
    static void membersUp(ActorSystem<?> system, int count, Duration max) {
        Cluster cluster = Cluster.get(system);
        CompletableFuture<Void> done = new CompletableFuture<>();
        system.systemActorOf(Behaviors.<ClusterEvent.MemberEvent>setup(ctx -> {
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
            // Counted from the events themselves (the members already Up arrive first, as events): the cluster's
            // state snapshot can lag the event that is being delivered, so reading it here could miss the last Up.
            java.util.Set<org.apache.pekko.actor.Address> upNow = new java.util.HashSet<>();
            return Behaviors.receiveMessage(e -> {
                if (e.member().status() == MemberStatus.up()) {
                    upNow.add(e.member().address());
                } else {
                    upNow.remove(e.member().address());
                }
                if (upNow.size() < count) {
                    return Behaviors.same();
                }
                cluster.subscriptions().tell(new Unsubscribe<>(ctx.getSelf()));
                done.complete(null);
                return Behaviors.stopped();
            });
        }), "await-members-up-" + WAITERS.incrementAndGet(), Props.empty());
        await(done, max, () -> count + " members Up (" + up(cluster) + " are: " + cluster.state().getMembers() + ")");
    }

    /** Waits at most {@code max} until {@code system}'s receptionist lists {@code count} or more of {@code key}. */
    static <T> void listed(ActorSystem<?> system, ServiceKey<T> key, int count, Duration max) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        system.systemActorOf(Behaviors.<Receptionist.Listing>setup(ctx -> {
            system.receptionist().tell(Receptionist.subscribe(key, ctx.getSelf()));
            return Behaviors.receiveMessage(l -> {
                if (l.getServiceInstances(key).size() < count) {
                    return Behaviors.same();
                }
                done.complete(null);
                return Behaviors.stopped();
            });
        }), "await-listed-" + WAITERS.incrementAndGet(), Props.empty());
        await(done, max, () -> count + " of " + key.id() + " listed");
    }

    private static long up(Cluster cluster) {
        return StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up()).count();
    }

    private static void await(CompletableFuture<Void> done, Duration max, Supplier<String> what) {
        try {
            done.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not " + what.get() + " within " + max, e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what.get(), e);
        }
    }
}
