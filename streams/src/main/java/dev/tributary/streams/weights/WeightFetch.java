package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
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
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

/**
 * The rollout side of weight broadcast: one actor per fetch, which replies once and stops. It asks a
 * {@link WeightPublisher} for weights at least as new as a version, pulls the offered chunks into a fresh buffer
 * through a {@link WeightAssembler} and replies {@link Fetched} with checked weights, which the caller switches in
 * between segments. A refused transfer (corrupt, missing or duplicate chunk, wrong layout, a stream that fails,
 * stalls or ends early, no offer in time) is fetched again from the start, up to {@code maxAttempts} in all; then
 * the reply is {@link FetchFailed} naming the version and every refusal.
 */
public final class WeightFetch extends AbstractBehavior<WeightFetch.Command> {
    public sealed interface Command permits FromWire, OfferTimedOut, Assembled, Retry {
    }

    private record FromWire(ByteString frame) implements Command {
    }

    private record OfferTimedOut(long transferId) implements Command {
    }

    private record Assembled(long transferId, FlatWeights weights, Throwable failure) implements Command {
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
    private final WireProtocol protocol;
    private final ActorRef<ByteString> wire;
    private final List<String> refusals = new ArrayList<>();
    private long transferId;
    private boolean streaming;

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
        system.systemActorOf(Behaviors.<Result>setup(ctx -> {
            ctx.watch(ctx.spawn(create(publisher, minVersion, layout, settings, ctx.getSelf()), "fetch"));
            return Behaviors.receive(Result.class)
                    .onMessage(Result.class, r -> {
                        result.complete(r);
                        return Behaviors.stopped();
                    })
                    .onSignal(Terminated.class, t -> {
                        // Terminated comes after any reply the child sent, so reaching here means there was none.
                        result.completeExceptionally(new IllegalStateException("weight fetch of " + minVersion
                                + " stopped without a reply"));
                        return Behaviors.stopped();
                    })
                    .build();
        }), "weight-fetch-" + SPAWNED.incrementAndGet(), Props.empty());
        return result;
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
        this.protocol = new WireProtocol(ctx.getSystem());
        this.wire = ctx.messageAdapter(ByteString.class, FromWire::new);
        request();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromWire.class, this::onWire)
                .onMessage(OfferTimedOut.class, this::onOfferTimedOut)
                .onMessage(Assembled.class, this::onAssembled)
                .onMessageEquals(Retry.INSTANCE, this::onRetry)
                .build();
    }

    private void request() {
        transferId = transferIds.getAsLong();
        streaming = false;
        publisher.tell(protocol.encode(new WireProtocol.Request(transferId, minVersion.number(), wire)));
        timers.startSingleTimer(new OfferTimedOut(transferId), settings.offerTimeout());
    }

    private Behavior<Command> onWire(FromWire w) {
        WireProtocol.Message m;
        try {
            m = protocol.decode(w.frame());
        } catch (RuntimeException e) {
            getContext().getLog().warn("ignoring a malformed weight offer: {}", e.toString());
            return this;
        }
        if (m.transferId() != transferId || streaming) {
            return this; // a late answer to an attempt already given up; its SourceRef times out unsubscribed
        }
        timers.cancelAll();
        if (m instanceof WireProtocol.Unavailable u) {
            return refused("the publisher has nothing to offer: " + u.reason());
        }
        if (!(m instanceof WireProtocol.Offer offer)) {
            return refused("the publisher answered with " + m + " instead of an offer");
        }
        if (offer.version() < minVersion.number()) {
            return refused("offered v" + offer.version() + ", older than the requested " + minVersion);
        }
        streaming = true;
        long id = transferId;
        WeightAssembler assembler = new WeightAssembler(id, new PolicyVersion(offer.version()), layout);
        CompletionStage<FlatWeights> done = offer.chunks().getSource()
                .idleTimeout(settings.idleTimeout())
                .runWith(Sink.foreach(assembler::accept), getContext().getSystem())
                .handle((ok, failure) -> {
                    if (failure != null) {
                        throw assembler.failed(unwrap(failure));
                    }
                    return assembler.finish();
                });
        getContext().pipeToSelf(done, (weights, failure) -> new Assembled(id, weights, failure));
        return this;
    }

    private Behavior<Command> onOfferTimedOut(OfferTimedOut t) {
        if (t.transferId() != transferId || streaming) {
            return this;
        }
        return refused("no offer from the publisher within " + settings.offerTimeout().toMillis() + " ms");
    }

    private Behavior<Command> onAssembled(Assembled a) {
        if (a.transferId() != transferId) {
            return this;
        }
        if (a.failure() != null) {
            return refused(unwrap(a.failure()).getMessage());
        }
        replyTo.tell(new Fetched(a.weights(), refusals));
        return Behaviors.stopped();
    }

    private Behavior<Command> onRetry() {
        request();
        return this;
    }

    private Behavior<Command> refused(String reason) {
        streaming = false;
        transferId = transferIds.getAsLong(); // anything still arriving for the refused attempt is ignored
        refusals.add("attempt " + (refusals.size() + 1) + ": " + reason);
        getContext().getLog().warn("weight fetch of {} refused: {}", minVersion, reason);
        if (refusals.size() >= settings.maxAttempts()) {
            replyTo.tell(new FetchFailed(minVersion, refusals));
            return Behaviors.stopped();
        }
        if (settings.retryDelay().isZero()) {
            request();
        } else {
            timers.startSingleTimer(Retry.INSTANCE, settings.retryDelay());
        }
        return this;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
