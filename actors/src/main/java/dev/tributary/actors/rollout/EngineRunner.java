package dev.tributary.actors.rollout;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The executor child of a rollout worker: owns an {@link InferenceEngine} and runs it synchronously on the
 * blocking dispatcher. Each finished generation becomes the trajectory's next segment and is emitted at once.
 */
public final class EngineRunner {
    /** Local to its worker (a child on the same node): never serialized. */
    public sealed interface Command extends NoSerializationVerificationNeeded permits Run, ReleaseMemory, Load {
    }

    public record Run(List<RolloutJob> jobs, PolicyVersion version, ActorRef<Reply> replyTo) implements Command {
    }

    public record ReleaseMemory(ActorRef<Reply> replyTo) implements Command {
    }

    public record Load(PolicyVersion version, FlatWeights weights, ActorRef<RolloutWorker.Loaded> ackTo,
                       ActorRef<Reply> replyTo) implements Command {
    }

    public sealed interface Reply extends NoSerializationVerificationNeeded permits Finished, Released, Loaded {
    }

    /** The batch is done; {@code holds} is the version the engine generates with now (newer after a swap). */
    public record Finished(RolloutStats stats, PolicyVersion holds) implements Reply {
    }

    public enum Released implements Reply { INSTANCE }

    public record Loaded(PolicyVersion version, ActorRef<RolloutWorker.Loaded> replyTo) implements Reply {
    }

    /** Creates the child's behaviour; a factory so that tests can wrap or replace it. */
    public interface Factory {
        Behavior<Command> create();

        /** Working memory the engine needs while generating (asked of the device arbiter). */
        long cacheBytes();
    }

    private EngineRunner() {
    }

    public static Factory factory(InferenceEngine engine, RolloutSettings settings, TrajectorySink sink) {
        return factory(engine, settings, sink, null);
    }

    /**
     * @param inflight weights fetched in the background that the engine switches to between two decode steps of a
     *                 batch (null: weights change between batches only)
     */
    public static Factory factory(InferenceEngine engine, RolloutSettings settings, TrajectorySink sink,
                                  InflightWeights inflight) {
        return new Factory() {
            @Override
            public Behavior<Command> create() {
                return behavior(engine, settings, sink, inflight);
            }

            @Override
            public long cacheBytes() {
                return engine.cacheBytes();
            }
        };
    }

    static Behavior<Command> behavior(InferenceEngine engine, RolloutSettings settings, TrajectorySink sink,
                                      InflightWeights inflight) {
        return Behaviors.receive(Command.class)
                .onMessage(Run.class, r -> {
                    r.replyTo().tell(run(engine, settings, sink, r.jobs(), r.version(), inflight));
                    return Behaviors.same();
                })
                .onMessage(ReleaseMemory.class, m -> {
                    engine.release();
                    m.replyTo().tell(Released.INSTANCE);
                    return Behaviors.same();
                })
                .onMessage(Load.class, l -> {
                    if (l.weights() != null) {
                        l.weights().importInto(engine.params());
                    }
                    l.replyTo().tell(new Loaded(l.version(), l.ackTo()));
                    return Behaviors.same();
                })
                .build();
    }

    static RolloutStats run(InferenceEngine engine, RolloutSettings s, TrajectorySink sink, List<RolloutJob> jobs,
                            PolicyVersion version) throws InterruptedException {
        return run(engine, s, sink, jobs, version, null).stats();
    }

    /**
     * Runs {@code jobs} starting with the weights of {@code version}; with {@code inflight}, newer weights waiting
     * there are swapped in between two decode steps, and a generation that spans a swap becomes one segment per
     * version (each but the last ending with {@link FinishReason#WEIGHT_SWAP}), so every token records the version
     * that generated it.
     */
    static Finished run(InferenceEngine engine, RolloutSettings s, TrajectorySink sink, List<RolloutJob> jobs,
                        PolicyVersion version, InflightWeights inflight) throws InterruptedException {
        long start = System.nanoTime();
        Map<String, RolloutJob> byId = new HashMap<>();
        List<GenerationRequest> requests = new ArrayList<>(jobs.size());
        int resumed = 0;
        for (RolloutJob j : jobs) {
            Trajectory t = j.trajectory();
            if (byId.put(t.id(), j) != null) {
                throw new IllegalArgumentException("trajectory " + t.id() + " appears twice in one rollout batch");
            }
            resumed += j.resumed() ? 1 : 0;
            requests.add(new GenerationRequest(t.id(), t.prefix(), j.tokenBudget(), s.sampling(), j.seed(),
                    s.repeatNgram(), s.repeatLimit(), t.prompt().length(), t.prompt().images()));
        }
        long stepsBefore = engine.stepsRun();
        List<Double> swapPauses = new ArrayList<>();
        int[] counts = new int[3];
        long[] tokens = new long[1];
        InterruptedException[] interrupted = new InterruptedException[1];
        // versions.get(n): the weights after the n-th swap of this batch.
        List<PolicyVersion> versions = new ArrayList<>(List.of(version));
        InferenceEngine.WeightSwap swap = inflight == null ? null : new InferenceEngine.WeightSwap() {
            @Override
            public boolean swap() {
                FlatWeights newer = inflight.takeNewerThan(versions.get(versions.size() - 1));
                if (newer == null) {
                    return false;
                }
                newer.importInto(engine.params());
                versions.add(newer.version());
                return true;
            }

            @Override
            public void swapped(long pauseNanos) {
                swapPauses.add(pauseNanos / 1e9);
            }
        };
        engine.generate(requests, g -> {
            if (interrupted[0] != null) {
                return;
            }
            RolloutJob job = byId.get(g.id());
            Trajectory t = job.trajectory();
            FinishReason reason = g.finishReason() == FinishReason.TOKEN_BUDGET && job.lastChunk()
                    ? FinishReason.MAX_LENGTH : g.finishReason();
            Trajectory next = appendByVersion(t, g, reason, versions);
            tokens[0] += g.tokens().length;
            counts[0] += next.finished() ? 1 : 0;
            counts[1] += reason == FinishReason.TOKEN_BUDGET ? 1 : 0;
            counts[2] += g.finishReason() == FinishReason.REPEAT ? 1 : 0;
            try {
                sink.emit(next);
            } catch (InterruptedException e) {
                interrupted[0] = e;
            }
        }, swap, s.kvOnSwap());
        if (interrupted[0] != null) {
            throw interrupted[0];
        }
        long steps = engine.stepsRun() - stepsBefore;
        return new Finished(new RolloutStats(jobs.size(), tokens[0], counts[0], counts[1], resumed, counts[2],
                (System.nanoTime() - start) / 1e9, steps, steps * engine.slots(), swapPauses),
                versions.get(versions.size() - 1));
    }

    /** {@code t} with generation {@code g} appended: one segment per run of tokens generated by one version. */
    private static Trajectory appendByVersion(Trajectory t, Generation g, FinishReason reason,
                                              List<PolicyVersion> versions) {
        int[] marks = g.weights();
        int[] tokens = g.tokens();
        float[] logProbs = g.logProbs();
        Trajectory next = t;
        int from = 0;
        for (int i = 1; i <= marks.length; i++) {
            if (i < marks.length && marks[i] == marks[from]) {
                continue;
            }
            boolean last = i == marks.length;
            next = next.append(new Segment(t.id(), next.segments().size(), Arrays.copyOfRange(tokens, from, i),
                    Arrays.copyOfRange(logProbs, from, i), versions.get(marks[from]).number(),
                    last ? reason : FinishReason.WEIGHT_SWAP));
            from = i;
        }
        if (marks.length == 0) {
            // Nothing generated (a full context): one empty segment, as before.
            next = next.append(new Segment(t.id(), t.segments().size(), tokens, logProbs, versions.get(0).number(),
                    reason));
        }
        return next;
    }

}
