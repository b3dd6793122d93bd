package dev.tributary.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.token.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

class InferenceEngineTest {
    private static final Tokenizer TOK = Tokenizer.standard();

    private static PolicyConfig small() {
        return new PolicyConfig(TOK.vocabSize(), 40, 32, 4, 2, 64, 7L, DataType.FLOAT);
    }

    private static int[] prompt(String s) {
        return TOK.encode("<bos>" + s);
    }

    @ParameterizedTest
    @EnumSource(names = {"JAVA", "ND4J"})
    void engineLogProbs_equalTeacherForcedPolicyLogProbs(EngineBackend backend) {
        Policy policy = Policy.create(small());
        InferenceEngine engine = new InferenceEngine(policy.params(), 4, backend);
        assertEquals(backend, engine.backend());
        List<GenerationRequest> reqs = new ArrayList<>();
        String[] prompts = {"12+34=", "7-3=", "905+17=", "1=", "88-9=", "3+3="};
        for (int i = 0; i < prompts.length; i++) {
            reqs.add(GenerationRequest.of("r" + i, prompt(prompts[i]), 12 + i, Sampling.of(1.0), 100 + i));
        }
        List<Generation> gens = engine.generate(reqs);
        int[][] seqs = new int[gens.size()][];
        int[] starts = new int[gens.size()];
        for (int i = 0; i < gens.size(); i++) {
            int[] p = reqs.get(i).prefix();
            int[] g = gens.get(i).tokens();
            assertTrue(g.length > 0, "request " + i + " generated nothing");
            seqs[i] = concat(p, g);
            starts[i] = p.length;
        }
        double[][] teacher = policy.responseLogProbs(new SequenceBatch(seqs, starts));
        double maxDiff = 0;
        for (int i = 0; i < gens.size(); i++) {
            float[] e = gens.get(i).logProbs();
            assertEquals(e.length, teacher[i].length);
            for (int j = 0; j < e.length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(e[j] - teacher[i][j]));
            }
        }
        assertTrue(maxDiff <= 1e-4, "engine vs teacher-forced log-prob max abs difference " + maxDiff + " > 1e-4");
    }

    /**
     * A weight swap between two decode steps: tokens before it are marked 0 and have the old weights' teacher-forced
     * log-probs, tokens after it are marked 1 and, with the KV cache recomputed, have the new weights' teacher-forced
     * log-probs given the whole sequence (≤ 1e-4). With the cache kept, the marks are the same and the tokens before
     * the swap still match the old weights.
     */
    @ParameterizedTest
    @CsvSource({"JAVA, RECOMPUTE", "ND4J, RECOMPUTE", "JAVA, KEEP"})
    void aWeightSwapMidSequence_marksEachTokensWeights_andTheirLogProbsAreThoseWeights(EngineBackend backend,
                                                                                        InferenceEngine.KvOnSwap kv) {
        Policy before = Policy.create(small());
        Policy after = Policy.create(new PolicyConfig(TOK.vocabSize(), 40, 32, 4, 2, 64, 8L, DataType.FLOAT));
        Policy engineCopy = Policy.create(small());
        FlatWeights.export(before.params(), PolicyVersion.INITIAL).importInto(engineCopy.params());
        InferenceEngine engine = new InferenceEngine(engineCopy.params(), 3, backend);
        List<GenerationRequest> reqs = new ArrayList<>();
        String[] prompts = {"12+34=", "7-3=", "905+17=", "1=", "88-9="};
        for (int i = 0; i < prompts.length; i++) {
            reqs.add(GenerationRequest.of("r" + i, prompt(prompts[i]), 16, Sampling.of(1.0), 200 + i));
        }
        FlatWeights newer = FlatWeights.export(after.params(), new PolicyVersion(1));
        int[] asked = {0};
        List<Generation> gens = new ArrayList<>();
        engine.generate(reqs, gens::add, () -> {
            if (++asked[0] != 7) {
                return false;
            }
            newer.importInto(engine.params());
            return true;
        }, kv);
        assertEquals(1, engine.swapsRun());
        assertEquals(reqs.size(), gens.size());
        int spanning = 0;
        int[][] seqs = new int[gens.size()][];
        int[] starts = new int[gens.size()];
        for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            int[] marks = g.weights();
            for (int j = 1; j < marks.length; j++) {
                assertTrue(marks[j] >= marks[j - 1], "weight marks go back in " + g.id());
            }
            spanning += marks.length > 0 && marks[0] == 0 && marks[marks.length - 1] == 1 ? 1 : 0;
            int[] p = reqs.stream().filter(r -> r.id().equals(g.id())).findFirst().orElseThrow().prefix();
            seqs[i] = concat(p, g.tokens());
            starts[i] = p.length;
        }
        assertTrue(spanning > 0, "no sequence spans the swap");
        double[][] old = before.responseLogProbs(new SequenceBatch(seqs, starts));
        double[][] fresh = after.responseLogProbs(new SequenceBatch(seqs, starts));
        double maxOld = 0;
        double maxNew = 0;
        for (int i = 0; i < gens.size(); i++) {
            float[] lp = gens.get(i).logProbs();
            int[] marks = gens.get(i).weights();
            for (int j = 0; j < lp.length; j++) {
                if (marks[j] == 0) {
                    maxOld = Math.max(maxOld, Math.abs(lp[j] - old[i][j]));
                } else {
                    maxNew = Math.max(maxNew, Math.abs(lp[j] - fresh[i][j]));
                }
            }
        }
        assertTrue(maxOld <= 1e-4, "tokens before the swap vs the old weights: max difference " + maxOld);
        if (kv == InferenceEngine.KvOnSwap.RECOMPUTE) {
            assertTrue(maxNew <= 1e-4, "tokens after the swap vs the new weights: max difference " + maxNew);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"JAVA", "ND4J"})
    void generatingNThenResumingForM_equalsGeneratingNPlusMAtOnce(EngineBackend backend) {
        Params params = Params.initialise(small());
        InferenceEngine engine = new InferenceEngine(params, 3, backend);
        int[] p = prompt("45+67=");
        Sampling s = new Sampling(1.3, 0.95);
        // An untrained model may emit EOS early: use the first seed whose sample fills the budget.
        long seed = 42;
        Generation whole = engine.generate(List.of(GenerationRequest.of("w", p, 14, s, seed))).get(0);
        while (whole.tokens().length < 14 && seed < 142) {
            seed++;
            whole = engine.generate(List.of(GenerationRequest.of("w", p, 14, s, seed))).get(0);
        }
        assertEquals(FinishReason.TOKEN_BUDGET, whole.finishReason(), "no seed in [42, 142) filled the budget");
        Generation first = engine.generate(List.of(GenerationRequest.of("a", p, 6, s, seed))).get(0);
        assertEquals(FinishReason.TOKEN_BUDGET, first.finishReason());
        // The resumed request runs in a different slot beside unrelated work: the result must not depend on it.
        List<Generation> resumed = engine.generate(List.of(
                GenerationRequest.of("other", prompt("9+9="), 5, s, 7),
                GenerationRequest.of("b", concat(p, first.tokens()), 8, s, seed)));
        Generation second = resumed.get(1);
        assertArrayEquals(whole.tokens(), concat(first.tokens(), second.tokens()));
        float[] joined = new float[14];
        System.arraycopy(first.logProbs(), 0, joined, 0, 6);
        System.arraycopy(second.logProbs(), 0, joined, 6, 8);
        assertArrayEquals(whole.logProbs(), joined, 1e-5f);
    }

    @Test
    void continuousBatching_servesMoreRequestsThanSlots_inRequestOrder() {
        InferenceEngine engine = new InferenceEngine(Params.initialise(small()), 2);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            reqs.add(GenerationRequest.of("q" + i, prompt(i + "+1="), 1 + i, Sampling.of(1.0), i));
        }
        List<Generation> out = engine.generate(reqs);
        for (int i = 0; i < 7; i++) {
            assertEquals("q" + i, out.get(i).id());
            assertTrue(out.get(i).tokens().length <= 1 + i);
        }
    }

    @Test
    void stopsAtContextLimit() {
        PolicyConfig c = small();
        InferenceEngine engine = new InferenceEngine(Params.initialise(c), 1);
        int[] p = prompt("1234567890+1234567890+123456789=");
        Generation g = engine.generate(List.of(GenerationRequest.of("c", p, 100, Sampling.of(50.0), 3))).get(0);
        if (g.finishReason() != FinishReason.EOS) {
            assertEquals(FinishReason.MAX_CONTEXT, g.finishReason());
            assertEquals(c.contextLength(), p.length + g.tokens().length);
        }
        int[] full = new int[c.contextLength()];
        full[0] = Tokenizer.BOS;
        Generation none = engine.generate(List.of(GenerationRequest.of("f", full, 5, Sampling.GREEDY, 1))).get(0);
        assertEquals(FinishReason.MAX_CONTEXT, none.finishReason());
        assertEquals(0, none.tokens().length);
    }

    @Test
    void repetitionDetection_stopsEarly() {
        assertEquals(3, RepetitionDetector.occurrencesOfLast(new int[] {1, 2, 1, 2, 1, 2}, 6, 2));
        assertEquals(1, RepetitionDetector.occurrencesOfLast(new int[] {1, 2, 3, 4}, 4, 2));
        // Only the response counts: the prompt's "1 2" before index 2 is outside [from, to).
        assertEquals(1, RepetitionDetector.occurrencesOfLast(new int[] {1, 2, 7, 1, 2}, 2, 5, 2));
        assertEquals(2, RepetitionDetector.occurrencesOfLast(new int[] {1, 2, 7, 1, 2}, 0, 5, 2));
        // Greedy decoding of an untrained model repeats quickly; a limit of 2 catches it before the budget.
        InferenceEngine engine = new InferenceEngine(Params.initialise(small()), 1);
        Generation g = engine.generate(List.of(new GenerationRequest("r", prompt("1+1="), 30, Sampling.GREEDY, 1, 1, 3)))
                .get(0);
        if (g.finishReason() == FinishReason.REPEAT) {
            int[] t = g.tokens();
            assertEquals(3, RepetitionDetector.occurrencesOfLast(t, t.length, 1));
        } else {
            assertEquals(FinishReason.EOS, g.finishReason(), "greedy output without a repeat must have ended with EOS");
        }
    }

    @Test
    void badRequests_areRefusedWithClearErrors() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.of("x", new int[0], 4, Sampling.GREEDY, 1));
        assertTrue(e.getMessage().contains("empty prefix"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GenerationRequest.of("x", prompt("1"), 0, Sampling.GREEDY, 1));
        assertTrue(e.getMessage().contains("max new tokens of request x 0 must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 1));
        assertTrue(e.getMessage().contains("temperature -1.0"), e.getMessage());
        InferenceEngine engine = new InferenceEngine(Params.initialise(small()), 1);
        e = assertThrows(IllegalArgumentException.class, () -> engine.generate(
                List.of(GenerationRequest.of("v", new int[] {1, 999}, 3, Sampling.GREEDY, 1))));
        assertTrue(e.getMessage().contains("token 999 at position 1"), e.getMessage());
    }

    @Test
    void javaBackend_resultsDoNotDependOnSlotCountOrNeighbours() {
        Params params = Params.initialise(small());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reqs.add(GenerationRequest.of("n" + i, prompt(i + "3+4" + i + "="), 10, Sampling.of(1.0), 11 + i));
        }
        List<Generation> few = new InferenceEngine(params, 2, EngineBackend.JAVA).generate(reqs);
        InferenceEngine wide = new InferenceEngine(params, 64, EngineBackend.JAVA);
        List<Generation> many = wide.generate(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(few.get(i).tokens(), many.get(i).tokens());
            assertArrayEquals(few.get(i).logProbs(), many.get(i).logProbs(), 0f);
        }
        assertEquals(2L * 2 * 64 * 40 * 32 * Float.BYTES, wide.cacheBytes());
        wide.release();
        assertTrue(!wide.holdsMemory());
    }

    @Test
    void javaBackend_seesWeightsWrittenBetweenGenerateCalls() {
        Policy policy = Policy.create(small());
        InferenceEngine engine = new InferenceEngine(policy.params(), 2, EngineBackend.JAVA);
        GenerationRequest r = GenerationRequest.of("w", prompt("5+5="), 6, Sampling.GREEDY, 1);
        engine.generate(List.of(r));
        // Make token 7 overwhelmingly likely (a normed row sums to 0, so shift it first): the next call must see it.
        policy.params().get("lnf.b").addi(1.0);
        policy.params().get("head").getColumn(7).addi(100.0);
        int[] tokens = engine.generate(List.of(r)).get(0).tokens();
        assertEquals(7, tokens[0]);
    }

    @Test
    void backendNames_parseAndUnknownOnesAreRefused() {
        assertEquals(EngineBackend.JAVA, EngineBackend.fromName(" Java "));
        assertEquals(EngineBackend.ND4J, EngineBackend.fromName("nd4j"));
        var e = assertThrows(IllegalArgumentException.class, () -> EngineBackend.fromName("cuda"));
        assertEquals("engine backend 'cuda' is not one of [auto, java, nd4j]", e.getMessage());
        assertEquals(EngineBackend.JAVA, EngineBackend.AUTO.resolve(small()));
        assertEquals(EngineBackend.ND4J, EngineBackend.AUTO.resolve(small().withDataType(DataType.DOUBLE)));
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
