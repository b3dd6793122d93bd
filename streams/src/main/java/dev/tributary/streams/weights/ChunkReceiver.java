package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.util.ByteString;

/**
 * The receiving end of one transfer attempt, a child of the {@link WeightFetch}: asks the publisher for the
 * transfer, granting a window of credit, feeds every element to a {@link WeightAssembler} as it arrives and grants
 * more credit as it goes. It reports {@link WeightFetch.Assembled} or {@link WeightFetch.Refused} to its parent once
 * and stops; each attempt has its own receiver (its own address), so anything still on its way from a refused
 * attempt finds no one and cannot mix into the next.
 */
final class ChunkReceiver extends AbstractBehavior<Object> {
    private enum OfferTimedOut { INSTANCE }

    private enum Tick { INSTANCE }

    private final long transferId;
    private final PolicyVersion minVersion;
    private final WeightLayout layout;
    private final Duration offerTimeout;
    private final long idleNanos;
    private final int regrant;
    private final ActorRef<WeightFetch.Command> parent;
    private final TimerScheduler<Object> timers;
    private final WireProtocol protocol;
    private ActorRef<ByteString> sender;
    private WeightAssembler assembler;
    private long lastElement;
    private int consumed;

    static Behavior<Object> create(long transferId, ActorRef<ByteString> publisher, PolicyVersion minVersion,
            WeightLayout layout, WeightSyncSettings settings, ActorRef<WeightFetch.Command> parent) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ChunkReceiver(ctx, timers, transferId,
                publisher, minVersion, layout, settings, parent)));
    }

    private ChunkReceiver(ActorContext<Object> ctx, TimerScheduler<Object> timers, long transferId,
            ActorRef<ByteString> publisher, PolicyVersion minVersion, WeightLayout layout, WeightSyncSettings settings,
            ActorRef<WeightFetch.Command> parent) {
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
        ActorRef<ByteString> self = ctx.getSelf().narrow();
        publisher.tell(protocol.encode(new WireProtocol.Request(transferId, minVersion.number(), window, self)));
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
                .build();
    }

    private Behavior<Object> onFrame(ByteString frame) {
        if (WireProtocol.isControl(frame)) {
            return onControl(frame);
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
        if (m instanceof WireProtocol.Unavailable u) {
            return refused("the publisher has nothing to offer: " + u.reason());
        }
        if (assembler == null) {
            return refused("the publisher answered with " + m + " instead of an offer");
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
            return refused("a second offer arrived after " + assembler.progress());
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

    private Behavior<Object> onOfferTimedOut() {
        if (assembler != null) {
            return this;
        }
        return refused("no offer from the publisher within " + offerTimeout.toMillis() + " ms");
    }

    private Behavior<Object> onTick() {
        if (assembler != null && System.nanoTime() - lastElement > idleNanos) {
            return refused(assembler.failed(new TimeoutException("no element for " + idleNanos / 1_000_000
                    + " ms")).getMessage());
        }
        return this;
    }

    private Behavior<Object> refused(String reason) {
        if (sender != null) {
            sender.tell(protocol.encode(new WireProtocol.Cancel(transferId, reason)));
        }
        parent.tell(new WeightFetch.Refused(transferId, reason));
        return Behaviors.stopped();
    }
}
