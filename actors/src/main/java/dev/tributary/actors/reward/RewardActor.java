package dev.tributary.actors.reward;

import dev.tributary.model.Trajectory;
import dev.tributary.streams.serialization.RemoteMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The reward role. Scores each finished trajectory with the configured {@link RewardFunction} (off the actor's
 * thread, since a sandboxed scorer blocks) minus the repeat penalty; unfinished trajectories pass through
 * unscored. Complete groups get the length penalty when the master assembles a batch.
 */
public final class RewardActor extends AbstractBehavior<RewardActor.Command> {
    public sealed interface Command extends RemoteMessage permits Score, ShapeGroups, ScoreDone {
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
                .build();
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
