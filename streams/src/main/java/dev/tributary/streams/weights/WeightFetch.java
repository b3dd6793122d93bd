package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.util.ByteString;

/**
 * The rollout side of weight broadcast: one actor per fetch, which replies once and stops. It asks a
 * {@link WeightPublisher} for weights at least as new as a version through a {@link ChunkReceiver} child, which
 * takes the chunks the publisher sends (as far ahead as it grants credit) into a fresh buffer through a
 * {@link WeightAssembler}; the reply is {@link Fetched} with checked weights, which the caller switches in between
 * segments. A refused transfer (corrupt, missing or duplicate chunk, wrong layout, a sender that fails, stalls or
 * ends early, no offer in time) is fetched again from the start by a new receiver, up to {@code maxAttempts} in all;
 * then the reply is {@link FetchFailed} naming the version and every refusal.
 *
 * <p>With {@code transport = tcp} each attempt asks for the transfer on the publisher node's data plane; if no
 * connection to it can be made (a firewall, a wrong advertised host), the fetch says so once and takes the
 * remaining attempts over Artery.
 */
public final class WeightFetch extends AbstractBehavior<WeightFetch.Command> {
    public sealed interface Command permits Assembled, Refused, Retry {
    }

    /** From a transfer's receiver: the checked weights. */
    record Assembled(long transferId, FlatWeights weights) implements Command {
    }

    /**
     * From a transfer's receiver (or its unexpected stop): why the transfer was refused; {@code unreachableDataPlane}
     * names the data-plane address when the refusal was that no connection to it could be made, else null.
     */
    record Refused(long transferId, String reason, String unreachableDataPlane) implements Command {
        Refused(long transferId, String reason) {
            this(transferId, reason, null);
        }
    }

    private enum Retry implements Command { INSTANCE }

    public sealed interface Result permits Fetched, FetchFailed {
    }

    /** Checked weights, with the refusals of the attempts before the one that succeeded. */
    public record Fetched(FlatWeights weights, List<String> refusals) implements Result {
        public Fetched {
            refusals = List.copyOf(refusals);
        }

        public int attempts() {
            return refusals.size() + 1;
        }
    }

    public record FetchFailed(PolicyVersion requested, List<String> refusals) implements Result {
        public FetchFailed {
            refusals = List.copyOf(refusals);
        }

        public String message() {
            return "weights " + requested + " (or newer) not fetched after " + refusals.size() + " attempts: "
                    + String.join("; ", refusals);
        }
    }

    private static final AtomicLong SPAWNED = new AtomicLong();

    private final ActorRef<ByteString> publisher;
    private final PolicyVersion minVersion;
    private final WeightLayout layout;
    private final WeightSyncSettings settings;
    private final ActorRef<Result> replyTo;
    private final LongSupplier transferIds;
    private final TimerScheduler<Command> timers;
    private final List<String> refusals = new ArrayList<>();
    private long transferId;
    private boolean inProgress;
    private boolean dataPlane;
    private int attempts;

    /** Fetches weights of {@code layout}, version {@code minVersion} or newer, from the endpoint {@code publisher}. */
    public static Behavior<Command> create(ActorRef<ByteString> publisher, PolicyVersion minVersion,
            WeightLayout layout, WeightSyncSettings settings, ActorRef<Result> replyTo) {
        SplittableRandom random = new SplittableRandom();
        return create(publisher, minVersion, layout, settings, replyTo, random::nextLong);
    }

    static Behavior<Command> create(ActorRef<ByteString> publisher, PolicyVersion minVersion, WeightLayout layout,
            WeightSyncSettings settings, ActorRef<Result> replyTo, LongSupplier transferIds) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new WeightFetch(ctx, timers, publisher,
                minVersion, layout, settings, replyTo, transferIds)));
    }

    /**
     * One fetch from outside any actor (tools, benchmarks): runs it under a system actor and completes with its
     * reply, or exceptionally if the fetch stops without one (settings refused at start-up).
     */
    public static CompletionStage<Result> fetch(ActorSystem<?> system, ActorRef<ByteString> publisher,
            PolicyVersion minVersion, WeightLayout layout, WeightSyncSettings settings) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        // The behavior below is kept by the system actor's ref for as long as anything holds that ref (Artery's
        // compression tables hold refs of busy recipients, such as this fetch's receivers), so it reaches the future
        // (and the fetched weights in it) only through a slot emptied on completion.
        AtomicReference<CompletableFuture<Result>> slot = new AtomicReference<>(result);
        system.systemActorOf(Behaviors.<Result>setup(ctx -> {
            ctx.watch(ctx.spawn(create(publisher, minVersion, layout, settings, ctx.getSelf()), "fetch"));
            return Behaviors.receive(Result.class)
                    .onMessage(Result.class, r -> {
                        complete(slot, r, null);
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> {
                        // Terminated comes after any reply the child sent, so reaching here means there was none.
                        complete(slot, null, new IllegalStateException("weight fetch of " + minVersion
                                + " stopped without a reply"));
                        return Behaviors.stopped();
                    })
                    .build();
        }), "weight-fetch-" + SPAWNED.incrementAndGet(), Props.empty());
        return result;
    }

    private static void complete(AtomicReference<CompletableFuture<Result>> slot, Result r, Throwable failure) {
        CompletableFuture<Result> f = slot.getAndSet(null);
        if (f != null && failure == null) {
            f.complete(r);
        } else if (f != null) {
            f.completeExceptionally(failure);
        }
    }

    private WeightFetch(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ByteString> publisher,
            PolicyVersion minVersion, WeightLayout layout, WeightSyncSettings settings, ActorRef<Result> replyTo,
            LongSupplier transferIds) {
        super(ctx);
        this.publisher = publisher;
        this.minVersion = minVersion;
        this.layout = layout;
        this.settings = settings.requireFitsFrame(WeightSyncSettings.frameLimit(ctx.getSystem().settings().config()));
        this.replyTo = replyTo;
        this.transferIds = transferIds;
        this.timers = timers;
        this.dataPlane = settings.transport() == WeightSyncSettings.Transport.TCP;
        attempt();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Assembled.class, this::onAssembled)
                .onMessage(Refused.class, this::onRefused)
                .onMessageEquals(Retry.INSTANCE, this::onRetry)
                .build();
    }

    /** A new transfer with a receiver of its own, so nothing of an earlier attempt can reach it. */
    private void attempt() {
        transferId = transferIds.getAsLong();
        inProgress = true;
        attempts++;
        ActorRef<Object> receiver = getContext().spawn(ChunkReceiver.create(transferId, publisher, minVersion, layout,
                settings, dataPlane, getContext().getSelf()), "transfer-" + attempts);
        getContext().watchWith(receiver, new Refused(transferId, "the receiver of transfer " + transferId
                + " stopped without a result"));
    }

    private Behavior<Command> onAssembled(Assembled a) {
        if (!inProgress || a.transferId() != transferId) {
            return this;
        }
        replyTo.tell(new Fetched(a.weights(), refusals));
        return Behaviors.stopped();
    }

    private Behavior<Command> onRefused(Refused r) {
        if (!inProgress || r.transferId() != transferId) {
            return this; // the receiver's stop after its report, or an attempt already given up
        }
        inProgress = false;
        refusals.add("attempt " + (refusals.size() + 1) + ": " + r.reason());
        getContext().getLog().warn("weight fetch of {} refused: {}", minVersion, r.reason());
        if (r.unreachableDataPlane() != null && dataPlane) {
            dataPlane = false;
            getContext().getLog().warn("the weight data plane at {} cannot be reached from this node; fetching {} "
                    + "over Artery instead (tributary.streams.weights.transport = artery does so from the start)",
                    r.unreachableDataPlane(), minVersion);
        }
        if (refusals.size() >= settings.maxAttempts()) {
            replyTo.tell(new FetchFailed(minVersion, refusals));
            return Behaviors.stopped();
        }
        if (settings.retryDelay().isZero()) {
            attempt();
        } else {
            timers.startSingleTimer(Retry.INSTANCE, settings.retryDelay());
        }
        return this;
    }

    private Behavior<Command> onRetry() {
        attempt();
        return this;
    }
}
