package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.util.ByteString;

/**
 * The receiving end of one transfer attempt, a child of the {@link WeightFetch}: asks the publisher for the
 * transfer, granting a window of credit, feeds every element to a {@link WeightAssembler} as it arrives and grants
 * more credit as it goes. It reports {@link WeightFetch.Assembled} or {@link WeightFetch.Refused} to its parent once
 * and stops; each attempt has its own receiver (its own address), so anything still on its way from a refused
 * attempt finds no one and cannot mix into the next.
 *
 * <p>Asked to use the data plane, it requests the transfer there; when the publisher's offer names a data-plane
 * address, a {@link DataPlaneClient} stream takes the elements over TCP instead (its own connection per attempt),
 * and the actor only waits for that stream's end: the stall check is then the stream's own idle timeout. A
 * publisher without a data plane answers with an ordinary offer, and the transfer runs over Artery as above.
 */
final class ChunkReceiver extends AbstractBehavior<Object> {
    private enum OfferTimedOut { INSTANCE }

    private enum Tick { INSTANCE }

    /** The data-plane stream ended: {@code failure} is null when every element arrived and was imported. */
    private record StreamEnded(Throwable failure) {
    }

    private final long transferId;
    private final PolicyVersion minVersion;
    private final WeightLayout layout;
    private final Duration offerTimeout;
    private final long idleNanos;
    private final int regrant;
    private final ActorRef<WeightFetch.Command> parent;
    private final TimerScheduler<Object> timers;
    private final WireProtocol protocol;
    private final WeightSyncSettings settings;
    private ActorRef<ByteString> sender;
    private UniqueKillSwitch stream;
    private String dataPlaneAddress;
    private WeightAssembler assembler;
    private long lastElement;
    private int consumed;

    static Behavior<Object> create(long transferId, ActorRef<ByteString> publisher, PolicyVersion minVersion,
            WeightLayout layout, WeightSyncSettings settings, boolean dataPlane,
            ActorRef<WeightFetch.Command> parent) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ChunkReceiver(ctx, timers, transferId,
                publisher, minVersion, layout, settings, dataPlane, parent)));
    }

    private ChunkReceiver(ActorContext<Object> ctx, TimerScheduler<Object> timers, long transferId,
            ActorRef<ByteString> publisher, PolicyVersion minVersion, WeightLayout layout, WeightSyncSettings settings,
            boolean dataPlane, ActorRef<WeightFetch.Command> parent) {
        super(ctx);
        this.transferId = transferId;
        this.minVersion = minVersion;
        this.layout = layout;
        this.offerTimeout = settings.offerTimeout();
        this.idleNanos = settings.idleTimeout().toNanos();
        int window = settings.windowChunks();
        this.regrant = Math.max(1, window / 4);
        this.parent = parent;
        this.timers = timers;
        this.protocol = new WireProtocol(ctx.getSystem());
        this.settings = settings;
        ActorRef<ByteString> self = ctx.getSelf().narrow();
        publisher.tell(protocol.encode(new WireProtocol.Request(transferId, minVersion.number(), window, self,
                dataPlane)));
        timers.startSingleTimer(OfferTimedOut.INSTANCE, offerTimeout);
        Duration every = settings.idleTimeout().dividedBy(4);
        timers.startTimerWithFixedDelay(Tick.INSTANCE, every.isZero() ? Duration.ofMillis(1) : every);
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessage(ByteString.class, this::onFrame)
                .onMessageEquals(OfferTimedOut.INSTANCE, this::onOfferTimedOut)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(StreamEnded.class, this::onStreamEnded)
                .onSignal(PostStop.class, s -> {
                    if (stream != null) {
                        stream.shutdown(); // closes the connection: the publisher's side stops sending
                    }
                    return this;
                })
                .build();
    }

    private Behavior<Object> onFrame(ByteString frame) {
        if (WireProtocol.isControl(frame)) {
            return onControl(frame);
        }
        if (stream != null) {
            return refused("an element arrived over Artery during a data-plane transfer");
        }
        if (assembler == null) {
            return refused("an element arrived before the publisher's offer");
        }
        lastElement = System.nanoTime();
        try {
            assembler.accept(frame);
        } catch (TransferRefusedException e) {
            return refused(e.getMessage());
        }
        if (++consumed >= regrant) {
            sender.tell(protocol.encode(new WireProtocol.Credit(transferId, consumed)));
            consumed = 0;
        }
        return this;
    }

    private Behavior<Object> onControl(ByteString frame) {
        WireProtocol.Message m;
        try {
            m = protocol.decode(frame);
        } catch (RuntimeException e) {
            getContext().getLog().warn("ignoring a malformed weight-sync message: {}", e.toString());
            return this;
        }
        if (m.transferId() != transferId) {
            getContext().getLog().warn("ignoring {}: this receiver takes transfer {}", m, transferId);
            return this;
        }
        if (m instanceof WireProtocol.Offer offer) {
            return onOffer(offer);
        }
        if (m instanceof WireProtocol.DataPlaneOffer offer) {
            return onDataPlaneOffer(offer);
        }
        if (m instanceof WireProtocol.Unavailable u) {
            return refused("the publisher has nothing to offer: " + u.reason());
        }
        if (assembler == null) {
            return refused("the publisher answered with " + m + " instead of an offer");
        }
        if (stream != null) {
            getContext().getLog().warn("ignoring {}: this transfer runs on the data plane", m);
            return this;
        }
        if (m instanceof WireProtocol.End) {
            FlatWeights weights;
            try {
                weights = assembler.finish();
            } catch (TransferRefusedException e) {
                return refused(e.getMessage());
            }
            parent.tell(new WeightFetch.Assembled(transferId, weights));
            return Behaviors.stopped();
        }
        if (m instanceof WireProtocol.Abort a) {
            return refused(assembler.failed(new IllegalStateException("the sender failed: " + a.reason()))
                    .getMessage());
        }
        getContext().getLog().warn("ignoring {}: a receiver takes offers, elements and their end", m);
        return this;
    }

    private Behavior<Object> onOffer(WireProtocol.Offer offer) {
        if (assembler != null) {
            return refused("a second offer arrived" + (stream == null ? " after " + assembler.progress() : ""));
        }
        timers.cancel(OfferTimedOut.INSTANCE);
        sender = offer.sender();
        if (offer.version() < minVersion.number()) {
            return refused("offered v" + offer.version() + ", older than the requested " + minVersion);
        }
        assembler = new WeightAssembler(transferId, new PolicyVersion(offer.version()), layout);
        lastElement = System.nanoTime();
        return this;
    }

    private Behavior<Object> onDataPlaneOffer(WireProtocol.DataPlaneOffer offer) {
        if (assembler != null) {
            return refused("a second offer arrived" + (stream == null ? " after " + assembler.progress() : ""));
        }
        timers.cancel(OfferTimedOut.INSTANCE);
        if (offer.version() < minVersion.number()) {
            return refused("offered v" + offer.version() + ", older than the requested " + minVersion);
        }
        assembler = new WeightAssembler(transferId, new PolicyVersion(offer.version()), layout);
        dataPlaneAddress = offer.host() + ":" + offer.port();
        // From here on only the stream touches the assembler, until it has ended.
        Pair<UniqueKillSwitch, CompletionStage<Done>> run = DataPlaneClient.start(getContext().getSystem(), offer,
                assembler, settings);
        stream = run.first();
        getContext().pipeToSelf(run.second(), (done, failure) -> new StreamEnded(failure));
        return this;
    }

    private Behavior<Object> onStreamEnded(StreamEnded ended) {
        stream = null;
        if (ended.failure() != null) {
            Throwable cause = ended.failure() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : ended.failure();
            boolean unreachable = cause instanceof StreamTcpException && !assembler.started();
            return refused(assembler.failed(cause).getMessage(), unreachable);
        }
        FlatWeights weights;
        try {
            weights = assembler.finish();
        } catch (TransferRefusedException e) {
            return refused(e.getMessage());
        }
        parent.tell(new WeightFetch.Assembled(transferId, weights));
        return Behaviors.stopped();
    }

    private Behavior<Object> onOfferTimedOut() {
        if (assembler != null) {
            return this;
        }
        return refused("no offer from the publisher within " + offerTimeout.toMillis() + " ms");
    }

    private Behavior<Object> onTick() {
        // A data-plane transfer has its stream's own idle timeout instead.
        if (assembler != null && dataPlaneAddress == null && System.nanoTime() - lastElement > idleNanos) {
            return refused(assembler.failed(new TimeoutException("no element for " + idleNanos / 1_000_000
                    + " ms")).getMessage());
        }
        return this;
    }

    private Behavior<Object> refused(String reason) {
        return refused(reason, false);
    }

    /** {@code dataPlaneUnreachable}: the data-plane connection failed before anything came through it. */
    private Behavior<Object> refused(String reason, boolean dataPlaneUnreachable) {
        if (sender != null) {
            sender.tell(protocol.encode(new WireProtocol.Cancel(transferId, reason)));
        }
        parent.tell(new WeightFetch.Refused(transferId, reason, dataPlaneUnreachable ? dataPlaneAddress : null));
        return Behaviors.stopped();
    }
}
