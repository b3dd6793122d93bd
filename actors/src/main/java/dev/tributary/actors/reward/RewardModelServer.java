package dev.tributary.actors.reward;

import dev.tributary.model.reward.RewardModel;
import dev.tributary.streams.serialization.RemoteMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The {@code reward-model} role: serves a learned {@link RewardModel} to the reward actors of a run (beside the
 * reward actor in one JVM, or on nodes of its own, as verl's standalone reward pool). Requests are batched: a
 * request waits at most {@code maxWait} for others, a batch of {@code maxBatch} goes at once, and whatever arrives
 * while a batch is computed joins the next one. Runs the model on its own thread (spawn it on a blocking
 * dispatcher).
 */
public final class RewardModelServer extends AbstractBehavior<RewardModelServer.Command> {
    public sealed interface Command extends RemoteMessage permits Score, GetStats, Tick {
    }

    /** P(correct) of {@code response} to {@code prompt} (prompt tokens, generated tokens). */
    public record Score(int[] prompt, int[] response, ActorRef<Scored> replyTo) implements Command {
    }

    /** The model's P(correct), or NaN with {@code failure} set when the model could not score it. */
    public record Scored(double probability, String failure) implements RemoteMessage {
    }

    public record GetStats(ActorRef<Stats> replyTo) implements Command {
    }

    /** Requests answered and the batches they went in. */
    public record Stats(long requests, long batches, int largestBatch) implements RemoteMessage {
        public double meanBatch() {
            return batches == 0 ? 0 : (double) requests / batches;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "reward model served %,d requests in %,d batches (mean %.1f, "
                    + "largest %d)", requests, batches, meanBatch(), largestBatch);
        }
    }

    private enum Tick implements Command { INSTANCE }

    private final RewardModel model;
    private final int maxBatch;
    private final Duration maxWait;
    private final TimerScheduler<Command> timers;
    private final List<Score> pending = new ArrayList<>();
    private final Consumer<Stats> onStop;
    private long requests;
    private long batches;
    private int largest;

    /** A server whose closing figures, when it stops, go to {@code onStop}. */
    public static Behavior<Command> create(RewardModel model, int maxBatch, Duration maxWait,
                                           Consumer<Stats> onStop) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("reward model batch " + maxBatch + " must be >= 1");
        }
        return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new RewardModelServer(ctx, t, model, maxBatch,
                maxWait, onStop)));
    }

    private RewardModelServer(ActorContext<Command> ctx, TimerScheduler<Command> timers, RewardModel model,
                              int maxBatch, Duration maxWait, Consumer<Stats> onStop) {
        super(ctx);
        this.onStop = onStop;
        this.timers = timers;
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxWait = maxWait;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Score.class, this::onScore)
                .onMessage(Tick.class, t -> flush())
                .onMessage(GetStats.class, this::onGetStats)
                .onSignal(PostStop.class, s -> {
                    onStop.accept(new Stats(requests, batches, largest));
                    return this;
                })
                .build();
    }

    private Behavior<Command> onScore(Score s) {
        pending.add(s);
        if (pending.size() >= maxBatch) {
            return flush();
        }
        if (!timers.isTimerActive(Tick.INSTANCE)) {
            timers.startSingleTimer(Tick.INSTANCE, maxWait);
        }
        return this;
    }

    private Behavior<Command> flush() {
        timers.cancel(Tick.INSTANCE);
        while (!pending.isEmpty()) {
            List<Score> batch = new ArrayList<>(pending.subList(0, Math.min(maxBatch, pending.size())));
            pending.subList(0, batch.size()).clear();
            score(batch);
        }
        return this;
    }

    private void score(List<Score> batch) {
        List<int[]> prompts = new ArrayList<>(batch.size());
        List<int[]> responses = new ArrayList<>(batch.size());
        for (Score s : batch) {
            prompts.add(s.prompt());
            responses.add(s.response());
        }
        batches++;
        requests += batch.size();
        largest = Math.max(largest, batch.size());
        double[] p;
        try {
            p = model.probabilities(prompts, responses);
        } catch (RuntimeException e) {
            // A request the model cannot read (a token outside its vocabulary) fails its batch, not the role.
            getContext().getLog().warn("reward model failed on a batch of {}: {}", batch.size(), e.toString());
            for (Score s : batch) {
                s.replyTo().tell(new Scored(Double.NaN, e.getMessage()));
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).replyTo().tell(new Scored(p[i], null));
        }
    }

    private Behavior<Command> onGetStats(GetStats g) {
        g.replyTo().tell(new Stats(requests, batches, largest));
        return this;
    }
}
