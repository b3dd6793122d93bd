package dev.tributary.actors.device;

import dev.tributary.streams.serialization.RemoteMessage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Colocated mode: the trainer and the inference engines share one device, and only one phase holds it at a time
 * (several rollout workers may hold it together). A holder releases its working memory before it sends
 * {@link Release}; the next phase is granted only when every holder has released. On CPU the device is a host-
 * memory budget: a request for more than the budget is refused. Each hand-off is timed: the time the last holder
 * of one phase took to free its memory, plus the wait from the later of that release and the other phase's request
 * to its grant. Idle time when no one asks for the device is not a hand-off and is not counted.
 */
public final class DeviceArbiter extends AbstractBehavior<DeviceArbiter.Command> {
    public enum Phase { ROLLOUT, TRAIN }

    public sealed interface Command extends RemoteMessage permits Acquire, Release, GetStats {
    }

    /** Ask for the device for {@code phase}, needing {@code bytes} of working memory. */
    public record Acquire(Phase phase, String holder, long bytes, ActorRef<Reply> replyTo) implements Command {
    }

    /** The holder has freed its working memory, which took {@code freeMillis}, and gives the device back. */
    public record Release(String holder, double freeMillis) implements Command {
        public Release(String holder) {
            this(holder, 0);
        }
    }

    public record GetStats(ActorRef<Stats> replyTo) implements Command {
    }

    public sealed interface Reply extends RemoteMessage permits Granted, Refused {
    }

    public record Granted(Phase phase, String holder) implements Reply {
    }

    public record Refused(String reason) implements Reply {
    }

    /** Hand-offs so far, their total and last duration, and the most memory ever held at once. */
    public record Stats(long handoffs, double totalHandoffMillis, double lastHandoffMillis, long peakBytes)
            implements RemoteMessage {
    }

    private final long budgetBytes;
    private final Map<String, Long> holders = new HashMap<>();
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final boolean phasesShare;
    private Phase current;
    private long releasedAt = -1;
    private Phase releasedPhase;
    private double phaseFreeMillis;
    private double releasedFreeMillis;
    private long handoffs;
    private double totalHandoffMillis;
    private double lastHandoffMillis;
    private long peakBytes;

    /** One phase at a time (colocated): the synchronous driver. */
    public static Behavior<Command> create(long budgetBytes) {
        return create(budgetBytes, false);
    }

    /**
     * @param phasesShare true lets training and rollout hold the device at once while their memory fits the budget
     *                    (the asynchronous driver, whose trainer and engines work on separate copies of the weights)
     */
    public static Behavior<Command> create(long budgetBytes, boolean phasesShare) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("device memory budget " + budgetBytes + " bytes must be > 0");
        }
        return Behaviors.setup(ctx -> new DeviceArbiter(ctx, budgetBytes, phasesShare));
    }

    private DeviceArbiter(ActorContext<Command> ctx, long budgetBytes, boolean phasesShare) {
        super(ctx);
        this.budgetBytes = budgetBytes;
        this.phasesShare = phasesShare;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Release.class, this::onRelease)
                .onMessage(GetStats.class, this::onStats)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire a) {
        if (a.bytes() > budgetBytes) {
            a.replyTo().tell(new Refused(a.holder() + " needs " + a.bytes() + " bytes for " + a.phase()
                    + " but the device budget is " + budgetBytes + " bytes"));
            return this;
        }
        queue.add(new Pending(a, System.nanoTime()));
        grantWhatFits();
        return this;
    }

    private Behavior<Command> onRelease(Release r) {
        if (holders.remove(r.holder()) == null) {
            getContext().getLog().warn("release from {} which does not hold the device", r.holder());
            return this;
        }
        // Holders of one phase free their memory in parallel: the slowest one bounds the hand-off.
        phaseFreeMillis = Math.max(phaseFreeMillis, r.freeMillis());
        if (holders.isEmpty()) {
            releasedPhase = current;
            current = null;
            releasedAt = System.nanoTime();
            releasedFreeMillis = phaseFreeMillis;
            phaseFreeMillis = 0;
        }
        grantWhatFits();
        return this;
    }

    /** Grants queued requests in order while they are for the holding phase (or the device is free) and fit. */
    private void grantWhatFits() {
        while (!queue.isEmpty()) {
            Pending pending = queue.peek();
            Acquire next = pending.request();
            long held = holders.values().stream().mapToLong(Long::longValue).sum();
            boolean phaseOk = phasesShare || current == null || current == next.phase();
            if (!phaseOk || held + next.bytes() > budgetBytes) {
                return;
            }
            queue.poll();
            if (current == null && releasedPhase != null && releasedPhase != next.phase() && releasedAt >= 0) {
                lastHandoffMillis = releasedFreeMillis
                        + (System.nanoTime() - Math.max(releasedAt, pending.arrivedNanos())) / 1e6;
                totalHandoffMillis += lastHandoffMillis;
                handoffs++;
            }
            current = next.phase();
            holders.put(next.holder(), next.bytes());
            peakBytes = Math.max(peakBytes, held + next.bytes());
            next.replyTo().tell(new Granted(next.phase(), next.holder()));
        }
    }

    private record Pending(Acquire request, long arrivedNanos) {
    }

    private Behavior<Command> onStats(GetStats g) {
        g.replyTo().tell(new Stats(handoffs, totalHandoffMillis, lastHandoffMillis, peakBytes));
        return this;
    }
}
