package dev.tributary.actors.reward;

import dev.tributary.actors.stream.SegmentStream;
import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SinkRef;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reward role. Scores each finished trajectory with the configured {@link RewardFunction} (off the actor's
 * thread, since a sandboxed scorer blocks) minus the repeat penalty; unfinished trajectories pass through
 * unscored. Complete groups get the length penalty when the master assembles a batch.
 *
 * <p>Trajectories arrive through segment streams: each rollout node opens one with {@link OpenStream}, naming
 * the replay buffer's sink the scored elements go on to; this actor runs the scoring stage of that stream on its
 * node and answers with the sink the rollout node sends into.
 */
public final class RewardActor extends AbstractBehavior<RewardActor.Command> {
    private static final Logger LOG = LoggerFactory.getLogger(RewardActor.class);

    public sealed interface Command extends RemoteMessage permits Score, ShapeGroups, ScoreDone, OpenStream {
    }

    /**
     * Open a segment stream: elements sent into the answered sink are scored, at most {@code parallelism} at a
     * time and each within {@code scoreTimeoutMillis}, and go on, in order, into {@code downstream}.
     */
    public record OpenStream(SinkRef<SegmentStream.Element> downstream, int parallelism, long scoreTimeoutMillis,
                             ActorRef<SegmentStream.Opened> replyTo) implements Command {
        public OpenStream {
            if (parallelism < 1) {
                throw new IllegalArgumentException("reward parallelism " + parallelism + " must be >= 1");
            }
            if (scoreTimeoutMillis < 1) {
                throw new IllegalArgumentException("score timeout " + scoreTimeoutMillis + " ms must be >= 1");
            }
        }
    }

    public record Score(Trajectory trajectory, ActorRef<Scored> replyTo) implements Command {
    }

    public record ShapeGroups(List<List<Trajectory>> groups, int iteration, ActorRef<Shaped> replyTo) implements Command {
    }

    private record ScoreDone(Score request, double reward, Throwable failure)
            implements Command, NoSerializationVerificationNeeded {
    }

    public record Scored(Trajectory trajectory) implements RemoteMessage {
    }

    public record Shaped(List<Trajectory> trajectories) implements RemoteMessage {
    }

    private final RewardFunction function;
    private final RewardShaping shaping;
    private final Executor executor;

    public static Behavior<Command> create(RewardFunction function, RewardShaping shaping, Executor executor) {
        return Behaviors.setup(ctx -> new RewardActor(ctx, function, shaping, executor));
    }

    private RewardActor(ActorContext<Command> ctx, RewardFunction function, RewardShaping shaping, Executor executor) {
        super(ctx);
        this.function = function;
        this.shaping = shaping;
        this.executor = executor;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Score.class, this::onScore)
                .onMessage(ScoreDone.class, this::onScoreDone)
                .onMessage(ShapeGroups.class, this::onShape)
                .onMessage(OpenStream.class, this::onOpenStream)
                .build();
    }

    private Behavior<Command> onOpenStream(OpenStream o) {
        ActorRef<Command> self = getContext().getSelf();
        var scheduler = getContext().getSystem().scheduler();
        String from = o.replyTo().path().address().toString();
        Duration timeout = Duration.ofMillis(o.scoreTimeoutMillis());
        // The ask's stage is used as is and mapped by the next stage: a thenApply on a stage Pekko returns runs
        // on the common pool, which on a 2-core machine starts a thread per element.
        SinkRef<SegmentStream.Element> upstream = StreamRefs.<SegmentStream.Element>sinkRef()
                .<Object>mapAsync(o.parallelism(), e -> e instanceof SegmentStream.Emitted emitted
                        ? AskPattern.<Command, Object>ask(self, r -> new Score(emitted.trajectory(), r.narrow()),
                        timeout, scheduler)
                        : CompletableFuture.<Object>completedFuture(e))
                .map(x -> x instanceof Scored scored ? new SegmentStream.Emitted(scored.trajectory())
                        : (SegmentStream.Element) x)
                .watchTermination((ref, done) -> {
                    done.whenComplete((ok, failure) -> {
                        // Abrupt termination is this node shutting down, not a failure worth a warning.
                        if (failure != null
                                && !(failure instanceof org.apache.pekko.stream.AbruptStageTerminationException)) {
                            LOG.warn("the segment stream from {} through reward {} failed: {}", from, self.path(),
                                    failure.toString());
                        }
                    });
                    return ref;
                })
                .toMat(o.downstream().getSink(), Keep.left())
                .run(Materializer.matFromSystem(getContext().getSystem()));
        o.replyTo().tell(new SegmentStream.Opened(upstream));
        return this;
    }

    private Behavior<Command> onScore(Score s) {
        Trajectory t = s.trajectory();
        if (!t.finished()) {
            s.replyTo().tell(new Scored(t));
            return this;
        }
        getContext().pipeToSelf(
                CompletableFuture.supplyAsync(() -> function.score(t.prompt(), t.responseTokens()), executor),
                (r, e) -> new ScoreDone(s, r == null ? Double.NaN : r, e));
        return this;
    }

    private Behavior<Command> onScoreDone(ScoreDone d) {
        Trajectory t = d.request().trajectory();
        if (d.failure() != null || !(d.reward() >= 0 && d.reward() <= 1)) {
            // A scorer failure is the scorer's fault, not the policy's: record 0 and say why, never lose the sample.
            getContext().getLog().warn("reward function '{}' failed on {}: {}; scoring 0", function.name(), t.id(),
                    d.failure() != null ? d.failure().toString() : "reward " + d.reward() + " outside [0, 1]");
            d.request().replyTo().tell(new Scored(t.withReward(shaping.individual(0, t.finishReason()))));
            return this;
        }
        d.request().replyTo().tell(new Scored(t.withReward(shaping.individual(d.reward(), t.finishReason()))));
        return this;
    }

    private Behavior<Command> onShape(ShapeGroups g) {
        List<Trajectory> out = new ArrayList<>();
        for (List<Trajectory> group : g.groups()) {
            boolean[] correct = new boolean[group.size()];
            for (int i = 0; i < correct.length; i++) {
                correct[i] = group.get(i).reward() >= 1.0;
            }
            out.addAll(shaping.group(group, correct, g.iteration()));
        }
        g.replyTo().tell(new Shaped(out));
        return this;
    }
}
