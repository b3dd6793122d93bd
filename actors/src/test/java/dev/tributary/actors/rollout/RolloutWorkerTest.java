package dev.tributary.actors.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.actors.device.DeviceArbiter;
import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;

/** The rollout role with a real inference engine over a tiny real policy; probes only stand in for the master. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutWorkerTest {
    @JUnit5TestKit
    final ActorTestKit kit = new JUnit5TestKitBuilder().build();

    private static final Duration ROLLOUT_WAIT = Duration.ofSeconds(30);
    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final PolicyConfig CONFIG =
            new PolicyConfig(TASK.tokenizer().vocabSize(), 40, 32, 4, 1, 64, 5L, DataType.FLOAT);
    private static final Sampling SAMPLING = Sampling.of(1.0);
    private static final PolicyVersion V0 = PolicyVersion.INITIAL;
    private static final PolicyVersion V1 = V0.next();

    /** Collects what the engine emits; the engine calls it from its own thread. */
    static class Collector implements TrajectorySink {
        private final List<Trajectory> emitted = new ArrayList<>();

        @Override
        public synchronized void emit(Trajectory trajectory) {
            emitted.add(trajectory);
        }

        synchronized List<Trajectory> drain() {
            List<Trajectory> out = List.copyOf(emitted);
            emitted.clear();
            return out;
        }

        Trajectory only() {
            List<Trajectory> all = drain();
            assertEquals(1, all.size(), "expected one emitted trajectory: " + all);
            return all.get(0);
        }

        Map<String, Trajectory> byId() {
            return drain().stream().collect(Collectors.toMap(Trajectory::id, Function.identity()));
        }
    }

    private ActorRef<DeviceArbiter.Command> arbiter() {
        return kit.spawn(DeviceArbiter.create(1L << 30));
    }

    private ActorRef<RolloutWorker.Command> worker(String name, Params params, RolloutSettings settings, Collector sink) {
        InferenceEngine engine = new InferenceEngine(params, settings.slots());
        return kit.spawn(RolloutWorker.create(name, EngineRunner.factory(engine, settings, sink), arbiter(), null,
                v -> { }));
    }

    private static RolloutSettings plain(int slots) {
        return new RolloutSettings(slots, SAMPLING, 0, 0);
    }

    /** The first seed whose sample from {@code prefix} runs {@code tokens} tokens without stopping (no EOS). */
    private static long seedFilling(Params params, int[] prefix, int tokens) {
        InferenceEngine engine = new InferenceEngine(params, 1);
        try {
            for (long seed = 1; seed < 300; seed++) {
                Generation g = engine.generate(List.of(GenerationRequest.of("probe", prefix, tokens, SAMPLING, seed)))
                        .get(0);
                if (g.finishReason() == FinishReason.TOKEN_BUDGET) {
                    return seed;
                }
            }
        } finally {
            engine.release();
        }
        throw new AssertionError("no seed in [1, 300) samples " + tokens + " tokens without EOS");
    }

    private RolloutWorker.Done rollout(ActorRef<RolloutWorker.Command> worker, List<RolloutJob> jobs, PolicyVersion v) {
        TestProbe<RolloutWorker.Done> done = kit.createTestProbe();
        worker.tell(new RolloutWorker.Rollout(jobs, v, done.ref()));
        return done.receiveMessage(ROLLOUT_WAIT);
    }

    private RolloutWorker.Loaded load(ActorRef<RolloutWorker.Command> worker, PolicyVersion v, FlatWeights weights) {
        TestProbe<RolloutWorker.Loaded> loaded = kit.createTestProbe();
        worker.tell(new RolloutWorker.LoadWeights(v, weights, loaded.ref()));
        return loaded.receiveMessage(ROLLOUT_WAIT);
    }

    private static FlatWeights perturbed(FlatWeights w, PolicyVersion v, long seed) {
        float[] values = w.values();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < values.length; i++) {
            values[i] += (float) (0.05 * (rng.nextDouble() * 2 - 1));
        }
        return FlatWeights.of(v, w.layout(), values);
    }

    /** Teacher-forced log-probs of the whole response of {@code t} under the policy's current weights. */
    private static double[] teacherForced(Policy policy, Trajectory t) {
        return policy.responseLogProbs(new SequenceBatch(new int[][] {t.prefix()}, new int[] {t.prompt().length()}))[0];
    }

    private static double maxAbsDiff(float[] recorded, double[] teacher, int from) {
        double max = 0;
        for (int i = 0; i < recorded.length; i++) {
            max = Math.max(max, Math.abs(recorded[i] - teacher[from + i]));
        }
        return max;
    }

    @Test
    void jobCutByItsBudget_resumesAfterLoadWeights_withEachSegmentScoredByTheWeightsThatMadeIt() {
        Policy policy = Policy.create(CONFIG);
        Params params = policy.params();
        Collector sink = new Collector();
        var worker = worker("w-partial", params, plain(2), sink);
        Prompt prompt = TASK.prompt(12, 34, '+', 2);
        int budget = 5;
        long seed = seedFilling(params, prompt.tokens(), 2 * budget);
        FlatWeights w0 = FlatWeights.export(params, V0);

        RolloutWorker.Done first = rollout(worker,
                List.of(new RolloutJob(Trajectory.start("i1-q0/0", prompt), budget, seed, false)), V0);
        assertEquals("w-partial", first.worker());
        Trajectory cut = sink.only();
        assertEquals(FinishReason.TOKEN_BUDGET, cut.finishReason());
        assertFalse(cut.finished());
        assertEquals(budget, cut.responseLength(), "exactly the budget");
        assertEquals(1, cut.segments().size());
        assertEquals(0, cut.segments().get(0).policyVersion());
        RolloutStats s1 = first.stats();
        assertEquals(List.of(1, 5L, 0, 1, 0, 0), List.of(s1.jobs(), s1.tokens(), s1.finished(), s1.partial(),
                s1.resumed(), s1.repeatStopped()), s1.toString());

        // Train-like change of the shared parameter arrays, then the weight sync of colocated mode (no payload).
        FlatWeights w1 = perturbed(w0, V1, 99);
        w1.importInto(params);
        assertEquals(new RolloutWorker.Loaded("w-partial", V1, worker), load(worker, V1, null));
        RolloutWorker.Done second = rollout(worker, List.of(new RolloutJob(cut, budget, seed, false)), V1);
        Trajectory resumed = sink.only();
        assertEquals(2, resumed.segments().size());
        Segment seg0 = resumed.segments().get(0);
        Segment seg1 = resumed.segments().get(1);
        assertEquals(cut.segments().get(0), seg0, "the first segment is kept as it was");
        assertEquals(1, seg1.index());
        assertEquals(1, seg1.policyVersion(), "the resumed segment is recorded with the loaded version");
        assertTrue(seg1.length() >= 1 && seg1.length() <= budget, seg1.toString());
        if (seg1.finishReason() == FinishReason.TOKEN_BUDGET) {
            assertEquals(budget, seg1.length());
        }
        RolloutStats s2 = second.stats();
        assertEquals(1, s2.jobs());
        assertEquals(1, s2.resumed());
        assertEquals(seg1.length(), s2.tokens());
        assertEquals(seg1.finishReason() == FinishReason.TOKEN_BUDGET ? 1 : 0, s2.partial());

        // Each segment's log-probs are those of the weights that generated it, teacher-forced.
        w0.importInto(params);
        double[] under0 = teacherForced(policy, resumed);
        w1.importInto(params);
        double[] under1 = teacherForced(policy, resumed);
        assertEquals(resumed.responseLength(), under0.length);
        double d0 = maxAbsDiff(seg0.logProbs(), under0, 0);
        double d1 = maxAbsDiff(seg1.logProbs(), under1, budget);
        assertTrue(d0 <= 1e-4, "segment 0 vs teacher-forced v0 log-probs: max abs difference " + d0);
        assertTrue(d1 <= 1e-4, "segment 1 vs teacher-forced v1 log-probs: max abs difference " + d1);
        double changed = maxAbsDiff(seg0.logProbs(), under1, 0);
        assertTrue(changed > 1e-3, "the new weights should score segment 0 differently; difference " + changed);
    }

    @Test
    void loadWeightsWithAPayload_importsThemIntoTheEnginesOwnCopy() {
        Policy policy = Policy.create(CONFIG);
        Params own = Params.initialise(CONFIG); // remote mode: the engine does not share the trainer's arrays
        Collector sink = new Collector();
        var worker = worker("w-remote", own, plain(1), sink);
        FlatWeights w1 = perturbed(FlatWeights.export(policy.params(), V0), V1, 7);
        assertEquals(new RolloutWorker.Loaded("w-remote", V1, worker), load(worker, V1, w1));
        assertEquals(w1.values().length, FlatWeights.export(own, V1).size());
        assertArrayEquals(w1.values(), FlatWeights.export(own, V1).values(), "the payload was imported");

        Prompt prompt = TASK.prompt(5, 9, '+', 1);
        rollout(worker, List.of(new RolloutJob(Trajectory.start("i2-q0/0", prompt), 6, 3, false)), V1);
        Trajectory t = sink.only();
        assertEquals(1, t.segments().get(0).policyVersion());
        w1.importInto(policy.params());
        double d = maxAbsDiff(t.segments().get(0).logProbs(), teacherForced(policy, t), 0);
        assertTrue(d <= 1e-4, "log-probs recorded with the loaded weights; max abs difference " + d);
    }

    @Test
    void lastChunk_runningOutOfTheMaxResponseLength_endsTheTrajectoryWithMaxLength() {
        Params params = Params.initialise(CONFIG);
        Collector sink = new Collector();
        var worker = worker("w-max", params, plain(2), sink);
        Prompt a = TASK.prompt(3, 4, '+', 1);
        Prompt b = TASK.prompt(31, 42, '+', 2);
        long seedA = seedFilling(params, a.tokens(), 4);
        long seedB = seedFilling(params, b.tokens(), 6);
        RolloutJob whole = RolloutJob.of(Trajectory.start("a/0", a), 4, 4, seedA);
        RolloutJob firstOfB = RolloutJob.of(Trajectory.start("b/0", b), 4, 6, seedB);
        assertTrue(whole.lastChunk());
        assertFalse(firstOfB.lastChunk());
        RolloutStats s = rollout(worker, List.of(whole, firstOfB), V0).stats();
        Map<String, Trajectory> out = sink.byId();
        assertEquals(FinishReason.MAX_LENGTH, out.get("a/0").finishReason());
        assertTrue(out.get("a/0").finished());
        assertEquals(4, out.get("a/0").responseLength());
        assertEquals(FinishReason.TOKEN_BUDGET, out.get("b/0").finishReason());
        assertEquals(List.of(2, 8L, 1, 1), List.of(s.jobs(), s.tokens(), s.finished(), s.partial()), s.toString());

        RolloutJob restOfB = RolloutJob.of(out.get("b/0"), 4, 6, seedB);
        assertTrue(restOfB.lastChunk());
        assertEquals(2, restOfB.tokenBudget(), "what remains of the maximum");
        s = rollout(worker, List.of(restOfB), V0).stats();
        Trajectory doneB = sink.only();
        assertEquals(FinishReason.MAX_LENGTH, doneB.finishReason());
        assertEquals(6, doneB.responseLength());
        assertEquals(List.of(1, 2L, 1, 0, 1), List.of(s.jobs(), s.tokens(), s.finished(), s.partial(), s.resumed()));

        var e = assertThrows(IllegalArgumentException.class, () -> RolloutJob.of(out.get("b/0"), 4, 4, seedB));
        assertEquals("trajectory b/0 already has 4 response tokens, the maximum is 4", e.getMessage());
    }

    @Test
    void repeatedNgram_stopsGenerationWithRepeat_andIsCounted() {
        Params params = Params.initialise(CONFIG);
        Collector sink = new Collector();
        // Stop as soon as any token occurs twice in the response.
        var worker = worker("w-repeat", params, new RolloutSettings(3, SAMPLING, 1, 2), sink);
        List<RolloutJob> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(new RolloutJob(Trajectory.start("r/" + i, TASK.prompt(10 + i, 20 + i, '+', 2)), 30, 100 + i, false));
        }
        RolloutStats s = rollout(worker, jobs, V0).stats();
        Map<String, Trajectory> out = sink.byId();
        assertEquals(6, out.size());
        int repeats = 0;
        for (Trajectory t : out.values()) {
            int[] tokens = t.responseTokens();
            int last = tokens[tokens.length - 1];
            // 30 tokens from a vocabulary of 23 cannot all differ: each sample stops at EOS or at its first repeat.
            if (t.finishReason() == FinishReason.REPEAT) {
                repeats++;
                long earlier = Arrays.stream(tokens, 0, tokens.length - 1).filter(x -> x == last).count();
                assertEquals(1, earlier, t.id() + " stopped on a token seen once before: " + Arrays.toString(tokens));
            } else {
                assertEquals(FinishReason.EOS, t.finishReason(), t.id());
                assertEquals(Tokenizer.EOS, last);
            }
            Set<Integer> distinct = new HashSet<>();
            Arrays.stream(tokens, 0, tokens.length - 1).forEach(distinct::add);
            assertEquals(tokens.length - 1, distinct.size(), t.id() + " went on after a repeat: " + Arrays.toString(tokens));
            assertTrue(t.finished());
        }
        assertTrue(repeats > 0, "no sample was stopped for repetition");
        assertEquals(repeats, s.repeatStopped());
        assertEquals(6, s.finished());
        assertEquals(0, s.partial());
    }

    @Test
    void doneStats_addUpOverAMixedBatch() {
        Params params = Params.initialise(CONFIG);
        Collector sink = new Collector();
        var worker = worker("w-stats", params, plain(2), sink);
        List<RolloutJob> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jobs.add(new RolloutJob(Trajectory.start("f/" + i, TASK.prompt(i, 7, '+', 1)), 3, 10 + i, false));
        }
        for (int i = 0; i < 2; i++) {
            String id = "old/" + i;
            Trajectory cut = Trajectory.start(id, TASK.prompt(20 + i, 30, '+', 2))
                    .append(new Segment(id, 0, new int[] {10, 12}, new float[] {-1f, -2f}, 0, FinishReason.TOKEN_BUDGET));
            jobs.add(new RolloutJob(cut, 4, 50 + i, false));
        }
        RolloutStats s = rollout(worker, jobs, V0).stats();
        Map<String, Trajectory> out = sink.byId();
        assertEquals(Set.of("f/0", "f/1", "f/2", "f/3", "old/0", "old/1"), out.keySet(), "each job emits once");
        long tokens = 0;
        int finished = 0;
        int partial = 0;
        for (Trajectory t : out.values()) {
            Segment last = t.segments().get(t.segments().size() - 1);
            tokens += last.length();
            finished += t.finished() ? 1 : 0;
            partial += last.finishReason() == FinishReason.TOKEN_BUDGET ? 1 : 0;
            assertEquals(t.id().startsWith("old") ? 2 : 1, t.segments().size(), t.id());
        }
        assertEquals(6, s.jobs());
        assertEquals(tokens, s.tokens());
        assertEquals(finished, s.finished());
        assertEquals(partial, s.partial());
        assertEquals(6, finished + partial);
        assertEquals(2, s.resumed());
        assertTrue(partial > 0, "some jobs should have run out of budget");
        assertTrue(s.busySeconds() > 0);
    }

    @Test
    void aWorkerWithAWeightSource_behindTheBatchsVersion_fetchesIt_thenRuns() {
        Policy policy = Policy.create(CONFIG);
        Params own = Params.initialise(CONFIG);
        Collector sink = new Collector();
        FlatWeights w1 = perturbed(FlatWeights.export(policy.params(), V0), V1, 11);
        List<PolicyVersion> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<PolicyVersion> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        RolloutWorker.WeightSource source = v -> {
            asked.add(v);
            return java.util.concurrent.CompletableFuture.completedFuture(w1);
        };
        InferenceEngine engine = new InferenceEngine(own, 1);
        var worker = kit.spawn(RolloutWorker.create("w-late", EngineRunner.factory(engine, plain(1), sink), arbiter(),
                source, held::add));
        // A worker that joined late holds v0 and is handed a batch for v1 (work pulling does not know versions).
        Prompt prompt = TASK.prompt(4, 3, '+', 1);
        rollout(worker, List.of(new RolloutJob(Trajectory.start("i2-q0/0", prompt), 6, 3, false)), V1);
        assertEquals(List.of(V1), asked);
        assertEquals(List.of(V1), held, "the worker recorded the version it switched to");
        assertArrayEquals(w1.values(), FlatWeights.export(own, V1).values(), "the fetched weights were imported");
        Trajectory t = sink.only();
        assertEquals(1, t.segments().get(0).policyVersion());
        w1.importInto(policy.params());
        double d = maxAbsDiff(t.segments().get(0).logProbs(), teacherForced(policy, t), 0);
        assertTrue(d <= 1e-4, "generated with the fetched weights; max abs difference " + d);
    }

    /**
     * In-flight update: a new version announced while a batch generates is fetched in the background and swapped in
     * between two decode steps. The sequence under way becomes two segments, the first generated by v0 (ending with
     * WEIGHT_SWAP), the second by v1, each with the log-probs of its own weights (the cache recomputed).
     */
    @Test
    void aNewVersionDuringABatch_isSwappedInBetweenDecodeSteps_andTheSequenceSplitsByVersion() throws Exception {
        Policy policy = Policy.create(CONFIG);
        Params own = Params.initialise(CONFIG);
        FlatWeights.export(policy.params(), V0).importInto(own);
        FlatWeights w1 = perturbed(FlatWeights.export(policy.params(), V0), V1, 12);
        Prompt short0 = TASK.prompt(4, 3, '+', 1);
        Prompt long1 = TASK.prompt(12, 34, '+', 2);
        long seedShort = seedFilling(own, Trajectory.start("a", short0).prefix(), 6);
        long seedLong = seedFilling(own, Trajectory.start("b", long1).prefix(), 18);
        InflightWeights inflight = new InflightWeights();
        CompletableFuture<FlatWeights> published = new CompletableFuture<>();
        // The first trajectory out (the short one) waits on the engine's thread until v1 is there to swap in, while
        // the long one is half generated.
        Collector sink = new Collector() {
            @Override
            public synchronized void emit(Trajectory trajectory) {
                super.emit(trajectory);
                if (!published.isDone()) {
                    published.complete(w1);
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (inflight.waiting() == null && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
            }
        };
        InferenceEngine engine = new InferenceEngine(own, 2);
        var worker = kit.spawn(RolloutWorker.create("w-inflight", EngineRunner.factory(engine, plain(2), sink,
                inflight), arbiter(), v -> published, v -> { }, sink, inflight));
        TestProbe<RolloutWorker.Done> done = kit.createTestProbe();
        worker.tell(new RolloutWorker.Rollout(List.of(new RolloutJob(Trajectory.start("a", short0), 6, seedShort,
                false), new RolloutJob(Trajectory.start("b", long1), 18, seedLong, false)), V0, done.ref()));
        worker.tell(new RolloutWorker.NewVersion(V1));
        RolloutWorker.Done d = done.receiveMessage(ROLLOUT_WAIT);
        assertEquals(1, d.stats().swaps());

        Map<String, Trajectory> out = sink.byId();
        assertEquals(List.of(0L), out.get("a").segments().stream().map(Segment::policyVersion).toList());
        Trajectory b = out.get("b");
        assertEquals(List.of(0L, 1L), b.segments().stream().map(Segment::policyVersion).toList());
        assertEquals(List.of(FinishReason.WEIGHT_SWAP, FinishReason.TOKEN_BUDGET),
                b.segments().stream().map(Segment::finishReason).toList());
        assertEquals(18, b.segments().get(0).tokens().length + b.segments().get(1).tokens().length);
        assertFalse(b.finished(), "cut by its budget, the trajectory goes on next round");
        double before = maxAbsDiff(b.segments().get(0).logProbs(), teacherForced(policy, b), 0);
        w1.importInto(policy.params());
        double after = maxAbsDiff(b.segments().get(1).logProbs(), teacherForced(policy, b),
                b.segments().get(0).tokens().length);
        assertTrue(before <= 1e-4 && after <= 1e-4, "log-probs vs the weights that generated them: v0 " + before
                + ", v1 " + after);
    }

    @Test
    void abandon_answersABatchStillWaitingForItsWeights_andTheFetchThatFailsLaterIsDropped() {
        Policy policy = Policy.create(CONFIG);
        Collector sink = new Collector();
        var never = new CompletableFuture<FlatWeights>();
        FlatWeights w1 = perturbed(FlatWeights.export(policy.params(), V0), V1, 11);
        List<CompletableFuture<FlatWeights>> fetches = new CopyOnWriteArrayList<>(List.of(never,
                CompletableFuture.completedFuture(w1)));
        RolloutWorker.WeightSource source = v -> fetches.remove(0);
        var worker = kit.spawn(RolloutWorker.create("w-lost-trainer", EngineRunner.factory(
                new InferenceEngine(Params.initialise(CONFIG), 1), plain(1), sink), arbiter(), source, v -> { }));
        TestProbe<RolloutWorker.Done> done = kit.createTestProbe();
        Prompt prompt = TASK.prompt(4, 3, '+', 1);
        // The batch's weights were published by a trainer that is gone: the fetch never completes.
        worker.tell(new RolloutWorker.Rollout(List.of(new RolloutJob(Trajectory.start("i2-q0/0", prompt), 6, 3, false)),
                V1, done.ref()));
        done.expectNoMessage(Duration.ofMillis(200));
        worker.tell(RolloutWorker.Abandon.INSTANCE);
        assertEquals(RolloutStats.EMPTY, done.receiveMessage().stats(), "answered at once, nothing emitted");
        never.completeExceptionally(new IllegalStateException("no offer from the publisher"));
        // The worker is alive and takes the run's next batch, whose weights come.
        rollout(worker, List.of(new RolloutJob(Trajectory.start("i3-q0/0", prompt), 6, 3, false)), V1);
        assertEquals("i3-q0/0", sink.only().id(), "the abandoned batch emitted nothing");
    }

    @Test
    void aFailedWeightFetch_isTriedAgain_andTheWorkerStays() {
        Policy policy = Policy.create(CONFIG);
        FlatWeights w1 = perturbed(FlatWeights.export(policy.params(), V0), V1, 11);
        List<CompletableFuture<FlatWeights>> fetches = new CopyOnWriteArrayList<>(List.of(
                CompletableFuture.failedFuture(new IllegalStateException("no offer from the publisher")),
                CompletableFuture.completedFuture(w1)));
        var worker = kit.spawn(RolloutWorker.create("w-retry", EngineRunner.factory(
                new InferenceEngine(Params.initialise(CONFIG), 1), plain(1), new Collector()), arbiter(),
                v -> fetches.remove(0), v -> { }));
        TestProbe<RolloutWorker.Loaded> loaded = kit.createTestProbe();
        worker.tell(new RolloutWorker.LoadWeights(V1, null, loaded.ref()));
        assertEquals(V1, loaded.receiveMessage().version(), "loaded on the second try");
        assertTrue(fetches.isEmpty());
    }

    @Test
    void rolloutForTheWrongVersion_failsTheWorker_namingBothVersions() {
        var worker = worker("w-stale", Params.initialise(CONFIG), plain(1), new Collector());
        TestProbe<RolloutWorker.Done> done = kit.createTestProbe();
        var job = new RolloutJob(Trajectory.start("x/0", TASK.prompt(1, 2, '+', 1)), 3, 1, false);
        LoggingTestKit.error(IllegalStateException.class)
                .withMessageContains("rollout for v1 but worker w-stale holds v0")
                .expect(kit.system(), () -> {
                    worker.tell(new RolloutWorker.Rollout(List.of(job), V1, done.ref()));
                    return null;
                });
        done.expectTerminated(worker, Duration.ofSeconds(5));
        done.expectNoMessage(Duration.ofMillis(100));
    }

    /**
     * Repetition is counted over the whole response, earlier segments included, so a job cut by its budget and
     * resumed stops where the uninterrupted job stops (a regression test: detection used to restart per segment).
     */
    @Test
    void resumedJob_detectsRepeatsAcrossSegments_likeAnUninterruptedOne() {
        Params params = Params.initialise(CONFIG);
        Prompt prompt = TASK.prompt(12, 34, '+', 2);
        // Find a seed whose sample first repeats a token at r that it produced at p <= r - 2 (and no EOS before).
        InferenceEngine probe = new InferenceEngine(params, 1);
        long seed = -1;
        int p = -1;
        int r = -1;
        for (long s = 1; s < 300 && seed < 0; s++) {
            int[] t = probe.generate(List.of(GenerationRequest.of("probe", prompt.tokens(), 30, SAMPLING, s))).get(0)
                    .tokens();
            int[] firstAt = new int[CONFIG.vocabSize()];
            Arrays.fill(firstAt, -1);
            for (int i = 0; i < t.length && t[i] != Tokenizer.EOS; i++) {
                if (firstAt[t[i]] >= 0) {
                    if (i - firstAt[t[i]] >= 2) {
                        seed = s;
                        p = firstAt[t[i]];
                        r = i;
                    }
                    break;
                }
                firstAt[t[i]] = i;
            }
        }
        probe.release();
        assertTrue(seed > 0, "no suitable seed");
        Collector sink = new Collector();
        var worker = worker("w-repeat-resume", params, new RolloutSettings(1, SAMPLING, 1, 2), sink);
        rollout(worker, List.of(new RolloutJob(Trajectory.start("u/0", prompt), 30, seed, false)), V0);
        Trajectory uninterrupted = sink.only();
        assertEquals(FinishReason.REPEAT, uninterrupted.finishReason());
        assertEquals(r + 1, uninterrupted.responseLength());

        int cutAt = p + 1; // the first occurrence is in the first segment, the repeat in the second
        rollout(worker, List.of(new RolloutJob(Trajectory.start("c/0", prompt), cutAt, seed, false)), V0);
        Trajectory cut = sink.only();
        assertEquals(FinishReason.TOKEN_BUDGET, cut.finishReason());
        rollout(worker, List.of(new RolloutJob(cut, 30 - cutAt, seed, false)), V0);
        Trajectory resumed = sink.only();
        assertArrayEquals(uninterrupted.responseTokens(), resumed.responseTokens(),
                "resumed from a cut at " + cutAt + ", the repeat at " + r + " of the token from " + p + " was missed");
        assertEquals(FinishReason.REPEAT, resumed.finishReason());
    }
}
