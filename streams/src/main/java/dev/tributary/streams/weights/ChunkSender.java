package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The sending end of one transfer, a child of the {@link WeightPublisher}: offers itself to the receiver, then
 * tells it the transfer's elements (manifest, then chunks) as plain messages, never more than the receiver has
 * granted credit for, and ends with {@link WireProtocol.End} (or {@link WireProtocol.Abort} if its elements fail).
 * It stops when done, when the receiver cancels, or when nothing moves (no element sent, no credit granted) for
 * {@code idleLimit}: a receiver that went away leaves nothing running behind it.
 *
 * <p>The elements run through a small local stream so that tests can damage them in transit; each passes a credit
 * gate that completes at once while credit is left, and is then told straight to the receiver, whose Artery
 * association serializes it with Pekko's own ByteString serializer.
 */
final class ChunkSender extends AbstractBehavior<Object> {
    private record Finished(Throwable failure) {
    }

    private enum Tick { INSTANCE }

    private final long transferId;
    private final ActorRef<ByteString> receiver;
    private final WireProtocol protocol;
    private final CreditGate gate;
    private final UniqueKillSwitch kill;
    private final long idleLimitNanos;

    static Behavior<Object> create(long transferId, PolicyVersion version, ActorRef<ByteString> receiver, int window,
            Source<ByteString, NotUsed> elements, Duration idleLimit) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ChunkSender(ctx, timers, transferId, version,
                receiver, window, elements, idleLimit)));
    }

    private ChunkSender(ActorContext<Object> ctx, TimerScheduler<Object> timers, long transferId,
            PolicyVersion version, ActorRef<ByteString> receiver, int window, Source<ByteString, NotUsed> elements,
            Duration idleLimit) {
        super(ctx);
        this.transferId = transferId;
        this.receiver = receiver;
        this.protocol = new WireProtocol(ctx.getSystem());
        this.gate = new CreditGate(window);
        this.idleLimitNanos = idleLimit.toNanos();
        ActorRef<ByteString> self = ctx.getSelf().narrow();
        receiver.tell(protocol.encode(new WireProtocol.Offer(transferId, version.number(), self)));
        Pair<UniqueKillSwitch, CompletionStage<Done>> run = elements
                .mapAsync(1, gate::pass)
                .viaMat(KillSwitches.single(), Keep.right())
                .toMat(Sink.foreach(receiver::tell), Keep.both())
                .run(ctx.getSystem());
        this.kill = run.first();
        ctx.pipeToSelf(run.second(), (done, failure) -> new Finished(failure));
        Duration every = idleLimit.dividedBy(4);
        timers.startTimerWithFixedDelay(Tick.INSTANCE, every.isZero() ? Duration.ofMillis(1) : every);
    }

    @Override
    public Receive<Object> createReceive() {
        return newReceiveBuilder()
                .onMessage(ByteString.class, this::onWire)
                .onMessage(Finished.class, this::onFinished)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    private Behavior<Object> onWire(ByteString frame) {
        WireProtocol.Message m;
        try {
            m = protocol.decode(frame);
        } catch (RuntimeException e) {
            getContext().getLog().warn("ignoring a malformed message to a weight sender: {}", e.toString());
            return this;
        }
        if (m.transferId() != transferId) {
            getContext().getLog().warn("ignoring {}: this sender serves transfer {}", m, transferId);
            return this;
        }
        if (m instanceof WireProtocol.Credit c) {
            gate.grant(c.chunks());
            return this;
        }
        if (m instanceof WireProtocol.Cancel c) {
            getContext().getLog().debug("transfer {} cancelled by its receiver: {}", transferId, c.reason());
            return stop();
        }
        getContext().getLog().warn("ignoring {}: a sender takes only credit and cancel", m);
        return this;
    }

    private Behavior<Object> onFinished(Finished f) {
        if (f.failure() == null) {
            receiver.tell(protocol.encode(new WireProtocol.End(transferId)));
        } else {
            receiver.tell(protocol.encode(new WireProtocol.Abort(transferId, f.failure().toString())));
        }
        return Behaviors.stopped();
    }

    private Behavior<Object> onTick() {
        if (System.nanoTime() - gate.lastProgress() > idleLimitNanos) {
            getContext().getLog().warn("weight transfer {} stopped: nothing sent and no credit for {} ms", transferId,
                    idleLimitNanos / 1_000_000);
            return stop();
        }
        return this;
    }

    private Behavior<Object> stop() {
        kill.shutdown();
        gate.close();
        return Behaviors.stopped();
    }

    /**
     * Credit shared by the actor (which grants) and the stream (which spends): an element passes at once while
     * credit is left, otherwise when the next grant comes. One element waits at a time ({@code mapAsync(1)}).
     */
    static final class CreditGate {
        private long credit;
        private CompletableFuture<ByteString> waiting;
        private ByteString held;
        private volatile long lastProgress = System.nanoTime();

        CreditGate(long initial) {
            this.credit = initial;
        }

        CompletionStage<ByteString> pass(ByteString element) {
            synchronized (this) {
                if (credit > 0) {
                    credit--;
                    lastProgress = System.nanoTime();
                    return CompletableFuture.completedFuture(element);
                }
                waiting = new CompletableFuture<>();
                held = element;
                return waiting;
            }
        }

        void grant(int chunks) {
            CompletableFuture<ByteString> release;
            ByteString element;
            synchronized (this) {
                credit += chunks;
                lastProgress = System.nanoTime();
                if (waiting == null || credit <= 0) {
                    return;
                }
                credit--;
                release = waiting;
                element = held;
                waiting = null;
                held = null;
            }
            release.complete(element);
        }

        void close() {
            CompletableFuture<ByteString> release;
            synchronized (this) {
                release = waiting;
                waiting = null;
                held = null;
            }
            if (release != null) {
                release.cancel(false);
            }
        }

        long lastProgress() {
            return lastProgress;
        }
    }
}
