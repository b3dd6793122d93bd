package dev.tributary.actors.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.replay.ReplayBuffer;
import dev.tributary.actors.checkpoint.CheckpointParts;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.reward.RewardActor;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The segment stream between two ActorSystems over Artery on 127.0.0.1, with the Kryo serializer: a rollout node's
 * pipeline sends through StreamRefs into a reward actor and a replay buffer on the other node. Trajectories arrive
 * scored, a flush completes only once all of them are stored, and a partner that goes away fails the stream on the
 * side that is left, loudly, instead of losing trajectories in silence.
 */
class SegmentPipelineRemoteTest {
    private static final Prompt PROMPT = new Prompt("q-1", new int[] {1, 7, 4}, "arithmetic", 1, "11");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ActorTestKit rollout;
    private ActorTestKit scoring;

    /**
     * A node; an abrupt one skips its coordinated shutdown when terminated, as a crashed JVM would. {@code leeway}
     * is how long a log expectation waits on it.
     */
    private static ActorTestKit node(String name, boolean abrupt, String leeway) {
        return ActorTestKit.create(name, ConfigFactory.parseString(
                "pekko.coordinated-shutdown.run-by-actor-system-terminate = " + (abrupt ? "off" : "on") + "\n"
                        + "pekko.actor.testkit.typed.filter-leeway = " + leeway + "\n" + """
                pekko.actor.provider = remote
                pekko.actor.allow-java-serialization = off
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                # Not a cluster here; this lets stream refs watch their partner as they would between members.
                pekko.remote.use-unsafe-remote-features-outside-cluster = on
                pekko.loglevel = WARNING
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                """).withFallback(ConfigFactory.load()));
    }

    @AfterEach
    void stop() {
        if (rollout != null) {
            rollout.shutdownTestKit();
        }
        if (scoring != null) {
            scoring.shutdownTestKit();
        }
    }

    private static <T> ActorRef<T> seenFrom(ActorRef<T> ref, ActorTestKit owner, ActorTestKit viewer) {
        return ActorRefResolver.get(viewer.system()).resolveActorRef(
                ActorRefResolver.get(owner.system()).toSerializationFormat(ref));
    }

    private static Trajectory finished(String id) {
        return Trajectory.start(id, PROMPT).append(new Segment(id, 0, new int[] {5, 2}, new float[] {-0.5f, -1f}, 0,
                FinishReason.EOS));
    }

    private static final RewardFunction HALF = new RewardFunction() {
        @Override
        public String name() {
            return "half";
        }

        @Override
        public double score(Prompt prompt, int[] response) {
            return 0.5;
        }
    };

    /** The reward actor and replay buffer on the scoring node; the pipeline on the rollout node. */
    private record Rig(ActorRef<ReplayBuffer.Command> replay, SegmentPipeline pipeline) {
    }

    private Rig rig(int groupSize, boolean abruptRollout) {
        rollout = node("rollout", abruptRollout, "3s");
        // Outside a cluster nobody downs a crashed node: its end is found by the remote watch's failure detector,
        // about 17 s after it went away.
        scoring = node("scoring", false, "30s");
        var blocking = scoring.system().dispatchers().lookup(DispatcherSelector.blocking());
        var reward = scoring.spawn(RewardActor.create(HALF, RewardShaping.NONE, blocking), "reward");
        var replay = scoring.spawn(ReplayBuffer.create(1000, ReplayStore.grouped(groupSize), CheckpointParts.NONE), "replay");
        var pipeline = new SegmentPipeline(rollout.system(), seenFrom(reward, scoring, rollout),
                seenFrom(replay, scoring, rollout), 16, 4, 2, Duration.ofSeconds(30));
        return new Rig(replay, pipeline);
    }

    @Test
    void trajectoriesCrossScored_andAFlushMeansAllAreStored() throws Exception {
        Rig rig = rig(4, false);
        int n = 200;
        for (int i = 0; i < n; i++) {
            rig.pipeline().emit(finished("g" + (i / 4) + "/" + (i % 4)));
        }
        assertTrue(rig.pipeline().waiting() <= n, "at most what was emitted waits");
        rig.pipeline().flush().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, rig.pipeline().waiting(), "a flushed stream has nothing of before the flush waiting");
        // Flushed: everything is in the buffer already, so the batch is there without waiting for arrivals.
        TestProbe<ReplayBuffer.Groups> groups = scoring.createTestProbe();
        rig.replay().tell(new ReplayBuffer.TakeBatch(n, groups.ref()));
        List<List<Trajectory>> got = groups.receiveMessage(Duration.ofSeconds(1)).groups();
        assertEquals(n / 4, got.size());
        got.forEach(g -> g.forEach(t -> assertEquals(0.5, t.reward(), "scored on the scoring node")));
        rig.pipeline().close();
    }

    @Test
    void theScoringNodeGoingAway_failsTheRolloutSide() throws Exception {
        Rig rig = rig(4, false);
        rig.pipeline().emit(finished("g0/0"));
        rig.pipeline().flush().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        scoring.shutdownTestKit();
        scoring = null;
        // The stream notices its partner is gone; an emit or a flush after that fails with the cause.
        CompletableFuture<Void> flushed = rig.pipeline().flush().toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> flushed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertTrue(e.getCause().toString().toLowerCase().contains("terminated")
                || e.getCause().toString().toLowerCase().contains("stream"), e.getCause().toString());
        assertThrows(IllegalStateException.class, () -> rig.pipeline().emit(finished("g0/1")));
    }

    @Test
    void aRolloutNodeLostWithoutShuttingDown_isReportedByTheReplayBuffer_whichGoesOn() throws Exception {
        Rig rig = rig(1, true);
        rig.pipeline().emit(finished("g0/0"));
        rig.pipeline().flush().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        LoggingTestKit.warn("a segment stream into the replay buffer failed").withOccurrences(1)
                .withLoggerName(ReplayBuffer.class.getName())
                .expect(scoring.system(), () -> {
                    rollout.shutdownTestKit();
                    rollout = null;
                    return null;
                });
        // The buffer still answers: what arrived before the failure is kept.
        TestProbe<ReplayBuffer.Groups> groups = scoring.createTestProbe();
        rig.replay().tell(new ReplayBuffer.TakeBatch(1, groups.ref()));
        assertEquals(1, groups.receiveMessage(WAIT).groups().size());
    }
}
