package dev.tributary.actors.rollout;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
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

    public record Finished(RolloutStats stats) implements Reply {
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
        return new Factory() {
            @Override
            public Behavior<Command> create() {
                return behavior(engine, settings, sink);
            }

            @Override
            public long cacheBytes() {
                return engine.cacheBytes();
            }
        };
    }

    static Behavior<Command> behavior(InferenceEngine engine, RolloutSettings settings, TrajectorySink sink) {
        return Behaviors.receive(Command.class)
                .onMessage(Run.class, r -> {
                    r.replyTo().tell(new Finished(run(engine, settings, sink, r.jobs(), r.version())));
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
        int[] counts = new int[3];
        long[] tokens = new long[1];
        InterruptedException[] interrupted = new InterruptedException[1];
        engine.generate(requests, g -> {
            if (interrupted[0] != null) {
                return;
            }
            RolloutJob job = byId.get(g.id());
            Trajectory t = job.trajectory();
            FinishReason reason = g.finishReason() == FinishReason.TOKEN_BUDGET && job.lastChunk()
                    ? FinishReason.MAX_LENGTH : g.finishReason();
            Trajectory next = t.append(new Segment(t.id(), t.segments().size(), g.tokens(), g.logProbs(),
                    version.number(), reason));
            tokens[0] += g.tokens().length;
            counts[0] += next.finished() ? 1 : 0;
            counts[1] += reason == FinishReason.TOKEN_BUDGET ? 1 : 0;
            counts[2] += g.finishReason() == FinishReason.REPEAT ? 1 : 0;
            try {
                sink.emit(next);
            } catch (InterruptedException e) {
                interrupted[0] = e;
            }
        });
        if (interrupted[0] != null) {
            throw interrupted[0];
        }
        long steps = engine.stepsRun() - stepsBefore;
        return new RolloutStats(jobs.size(), tokens[0], counts[0], counts[1], resumed, counts[2],
                (System.nanoTime() - start) / 1e9, steps, steps * engine.slots());
    }

}
