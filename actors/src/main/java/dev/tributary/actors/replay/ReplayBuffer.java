package dev.tributary.actors.replay;

import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.checkpoint.PartReply;
import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * The replay buffer role. Trajectories arrive one at a time and are acknowledged once stored; when the buffer
 * holds {@code capacity} trajectories the acknowledgement waits until room is made, which back-pressures the
 * segment stream. Nothing is ever dropped.
 *
 * <p>Producers attach with {@link OpenStream}: each gets a {@link org.apache.pekko.stream.SinkRef} of its own,
 * whose elements arrive here as {@link Offer}s and {@link FlushMarker}s, one at a time and acknowledged. A flush
 * marker is answered as soon as it arrives, which is after everything its producer sent before it was stored.
 */
public final class ReplayBuffer extends AbstractBehavior<ReplayBuffer.Command> {
    public sealed interface Command extends RemoteMessage permits Offer, FlushMarker, OpenStream, StreamStarted,
            StreamEnded, TakeBatch, TakeUnfinished, GetContents, Restore, SavePart, LoadPart {
    }

    /** The name of this role's checkpoint part. */
    public static final String PART = "replay";

    /** Write the buffer's part of checkpoint {@code iteration} (everything held) where it lives. */
    public record SavePart(int iteration, ActorRef<PartReply> replyTo) implements Command {
    }

    /**
     * Replace everything held with the part of checkpoint {@code iteration} (the run rewinds to it). Requests for
     * batches made before are dropped: they belong to the abandoned run. Sent once no rollout is in flight.
     */
    public record LoadPart(int iteration, ActorRef<PartReply> replyTo) implements Command {
    }

    /** Open a segment stream into this buffer; the answer holds the sink to send into. */
    public record OpenStream(ActorRef<SegmentStream.Opened> replyTo) implements Command {
    }

    /** A stream's flush marker: every element its producer sent before it is stored. */
    public record FlushMarker(SegmentStream.Flush flush, ActorRef<Ack> ack) implements Command {
    }

    /** Store {@code trajectory}; {@code ack} is answered when it is stored. */
    public record Offer(Trajectory trajectory, ActorRef<Ack> ack) implements Command {
    }

    /** The segment stream attached; acknowledge to ask for the first element. */
    public record StreamStarted(ActorRef<Ack> ack) implements Command {
    }

    /** The segment stream completed ({@code failure} null) or failed. */
    public record StreamEnded(Throwable failure) implements Command {
    }

    /**
     * Once {@code afterReceived} trajectories have arrived in total, hand over complete groups: none while fewer
     * than {@code minGroups} are complete (the reply is then empty and nothing is taken), else at most
     * {@code maxGroups} of them, in the order the store hands them over (0: every complete group).
     */
    public record TakeBatch(long afterReceived, int minGroups, int maxGroups, ActorRef<Groups> replyTo)
            implements Command {
        public TakeBatch {
            if (minGroups < 0 || maxGroups < 0 || (maxGroups > 0 && minGroups > maxGroups)) {
                throw new IllegalArgumentException("take between " + minGroups + " and " + maxGroups
                        + " groups: expected 0 <= min <= max, or max 0 for every complete group");
            }
        }

        /** Every complete group, once {@code afterReceived} trajectories have arrived. */
        public TakeBatch(long afterReceived, ActorRef<Groups> replyTo) {
            this(afterReceived, 0, 0, replyTo);
        }
    }

    /** Hand over every unfinished trajectory, to be resumed. */
    public record TakeUnfinished(ActorRef<Unfinished> replyTo) implements Command {
    }

    /** Copy of everything held, for checkpoints. */
    public record GetContents(ActorRef<Contents> replyTo) implements Command {
    }

    /** Replace the contents (resuming from a checkpoint); only before any trajectory arrived. */
    public record Restore(List<Trajectory> trajectories, long received, ActorRef<Ack> replyTo) implements Command {
    }

    public enum Ack implements RemoteMessage { INSTANCE }

    public record Groups(List<List<Trajectory>> groups) implements RemoteMessage {
    }

    public record Unfinished(List<Trajectory> trajectories) implements RemoteMessage {
    }

    public record Contents(List<Trajectory> trajectories, long received) implements RemoteMessage {
    }

    private final int capacity;
    private final ReplayState state;
    private final CheckpointParts parts;
    private final Deque<Offer> waiting = new ArrayDeque<>();
    private final List<TakeBatch> batchRequests = new ArrayList<>();

    /**
     * @param store what is held and handed to training ({@code tributary.replay.store}); used by this actor only
     * @param parts where {@link SavePart} and {@link LoadPart} write and read ({@link CheckpointParts#NONE}: off)
     */
    public static Behavior<Command> create(int capacity, ReplayStore store, CheckpointParts parts) {
        if (capacity < 1) {
            throw new IllegalArgumentException("replay capacity " + capacity + " must be >= 1");
        }
        return Behaviors.setup(ctx -> new ReplayBuffer(ctx, capacity, store, parts));
    }

    private ReplayBuffer(ActorContext<Command> ctx, int capacity, ReplayStore store, CheckpointParts parts) {
        super(ctx);
        this.capacity = capacity;
        this.state = new ReplayState(store);
        this.parts = parts;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Offer.class, this::onOffer)
                .onMessage(FlushMarker.class, this::onFlushMarker)
                .onMessage(OpenStream.class, this::onOpenStream)
                .onMessage(StreamStarted.class, s -> {
                    s.ack().tell(Ack.INSTANCE);
                    return this;
                })
                .onMessage(StreamEnded.class, this::onStreamEnded)
                .onMessage(TakeBatch.class, this::onTakeBatch)
                .onMessage(TakeUnfinished.class, this::onTakeUnfinished)
                .onMessage(GetContents.class, this::onGetContents)
                .onMessage(Restore.class, this::onRestore)
                .onMessage(SavePart.class, this::onSavePart)
                .onMessage(LoadPart.class, this::onLoadPart)
                .build();
    }

    private Behavior<Command> onOffer(Offer o) {
        if (state.size() >= capacity) {
            waiting.add(o);
        } else {
            store(o);
        }
        return this;
    }

    private Behavior<Command> onOpenStream(OpenStream o) {
        ActorRef<Command> self = getContext().getSelf();
        var sink = StreamRefs.<SegmentStream.Element>sinkRef()
                .to(ActorSink.<SegmentStream.Element, Command, Ack>actorRefWithBackpressure(self,
                        (ack, e) -> e instanceof SegmentStream.Emitted emitted ? new Offer(emitted.trajectory(), ack)
                                : new FlushMarker((SegmentStream.Flush) e, ack),
                        StreamStarted::new, Ack.INSTANCE, new StreamEnded(null), StreamEnded::new))
                .run(Materializer.matFromSystem(getContext().getSystem()));
        o.replyTo().tell(new SegmentStream.Opened(sink));
        return this;
    }

    private Behavior<Command> onFlushMarker(FlushMarker m) {
        m.flush().replyTo().tell(new SegmentStream.Flushed(m.flush().token()));
        m.ack().tell(Ack.INSTANCE);
        return this;
    }

    private void store(Offer o) {
        state.add(o.trajectory());
        o.ack().tell(Ack.INSTANCE);
        answerBatchRequests();
    }

    private Behavior<Command> onStreamEnded(StreamEnded e) {
        if (e.failure() != null) {
            // One producer's stream (a rollout node's) failed: the trajectories it had in flight never arrive. The
            // buffer goes on serving the other streams; the batches they belonged to were never confirmed, so
            // work pulling hands them to other workers, and the producer's side fails loudly where it broke.
            getContext().getLog().warn("a segment stream into the replay buffer failed: {}", e.failure().toString());
        }
        return this;
    }

    private Behavior<Command> onTakeBatch(TakeBatch t) {
        batchRequests.add(t);
        answerBatchRequests();
        return this;
    }

    private void answerBatchRequests() {
        var it = batchRequests.iterator();
        while (it.hasNext()) {
            TakeBatch t = it.next();
            if (state.received() >= t.afterReceived()) {
                t.replyTo().tell(new Groups(state.takeCompleteGroups(t.minGroups(), t.maxGroups())));
                it.remove();
                admitWaiting();
            }
        }
    }

    private Behavior<Command> onTakeUnfinished(TakeUnfinished t) {
        t.replyTo().tell(new Unfinished(state.takeUnfinished()));
        admitWaiting();
        return this;
    }

    private void admitWaiting() {
        while (!waiting.isEmpty() && state.size() < capacity) {
            store(waiting.poll());
        }
    }

    private Behavior<Command> onGetContents(GetContents g) {
        g.replyTo().tell(new Contents(state.contents(), state.received()));
        return this;
    }

    private Behavior<Command> onRestore(Restore r) {
        state.restore(r.trajectories(), r.received());
        r.replyTo().tell(Ack.INSTANCE);
        return this;
    }

    private Behavior<Command> onSavePart(SavePart s) {
        try {
            s.replyTo().tell(parts.writeReplay(s.iteration(), new Contents(state.contents(), state.received())));
        } catch (IOException | RuntimeException e) {
            s.replyTo().tell(new PartReply.Failed(PART, s.iteration(), String.valueOf(e.getMessage())));
        }
        return this;
    }

    private Behavior<Command> onLoadPart(LoadPart l) {
        Contents c;
        try {
            c = parts.readReplay(l.iteration());
        } catch (IOException | RuntimeException e) {
            l.replyTo().tell(new PartReply.Failed(PART, l.iteration(), String.valueOf(e.getMessage())));
            return this;
        }
        batchRequests.clear();
        waiting.clear();
        state.replace(c.trajectories(), c.received());
        l.replyTo().tell(new PartReply.Loaded(PART, l.iteration(), null));
        return this;
    }
}
