package dev.tributary.actors.sync;

import com.typesafe.config.Config;
import dev.tributary.actors.rollout.RolloutWorker;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import dev.tributary.streams.weights.WeightFetch;
import dev.tributary.streams.weights.WeightPublisher;
import dev.tributary.streams.weights.WeightSyncSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.util.ByteString;

/**
 * The weight sync {@code broadcast}: the trainer's node runs a {@link WeightPublisher} (registered with the
 * Receptionist) and publishes every version; each rollout node fetches a version once, for all its workers, from
 * the publisher registered now, waiting for one to appear (after the trainer's node is lost, its replacement's).
 * The chunks travel on the publisher node's TCP data plane or as Artery messages, as
 * {@code tributary.streams.weights.transport} says.
 */
final class ChunkedBroadcast implements WeightSync {
    private final WeightSyncSettings settings;

    ChunkedBroadcast(Config config) {
        this.settings = WeightSyncSettings.fromConfig(config);
    }

    @Override
    public boolean sharesParameters() {
        return false;
    }

    @Override
    public Consumer<FlatWeights> publisher(ActorContext<?> node) {
        var publisher = node.spawn(WeightPublisher.create(settings), "weights");
        ActorRef<WeightPublisher.PublishResult> ignore = node.getSystem().ignoreRef();
        return w -> publisher.tell(new WeightPublisher.Publish(w, ignore));
    }

    @Override
    public RolloutWorker.WeightSource source(ActorContext<?> node, WeightLayout layout) {
        ActorSystem<?> system = node.getSystem();
        // The publisher registered now: it changes when the trainer's node is lost and a replacement registers.
        AtomicReference<CompletableFuture<ActorRef<ByteString>>> publisher =
                new AtomicReference<>(new CompletableFuture<>());
        node.spawn(Behaviors.<Receptionist.Listing>setup(ctx -> {
            system.receptionist().tell(Receptionist.subscribe(WeightPublisher.SERVICE_KEY, ctx.getSelf()));
            return Behaviors.receive(Receptionist.Listing.class).onMessage(Receptionist.Listing.class, l -> {
                var now = l.getServiceInstances(WeightPublisher.SERVICE_KEY).stream().findFirst();
                publisher.updateAndGet(f -> {
                    if (now.isEmpty()) {
                        return f.isDone() ? new CompletableFuture<>() : f;
                    }
                    if (!f.isDone()) {
                        f.complete(now.get());
                        return f;
                    }
                    return f.join().equals(now.get()) ? f : CompletableFuture.completedFuture(now.get());
                });
                return Behaviors.same();
            }).build();
        }), "weight-publisher-lookup");
        // The node's workers share one policy: the fetches of a version that are under way at once are one fetch.
        // Nothing is kept after it completes: after a rewind, a version number may name other weights.
        Map<PolicyVersion, CompletableFuture<FlatWeights>> inFlight = new HashMap<>();
        return version -> {
            synchronized (inFlight) {
                CompletableFuture<FlatWeights> f = inFlight.get(version);
                if (f == null) {
                    f = publisher.get().thenCompose(p -> WeightFetch.fetch(system, p, version, layout, settings))
                            .thenApply(ChunkedBroadcast::weightsOrFail).toCompletableFuture();
                    inFlight.put(version, f);
                    CompletableFuture<FlatWeights> mine = f;
                    f.whenComplete((w, e) -> {
                        synchronized (inFlight) {
                            inFlight.remove(version, mine);
                        }
                    });
                }
                return f;
            }
        };
    }

    private static FlatWeights weightsOrFail(WeightFetch.Result result) {
        if (result instanceof WeightFetch.Fetched f) {
            return f.weights();
        }
        throw new IllegalStateException(((WeightFetch.FetchFailed) result).message());
    }
}
