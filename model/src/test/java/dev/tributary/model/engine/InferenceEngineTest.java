package dev.tributary.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.FinishReason;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.token.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class InferenceEngineTest {
    private static final Tokenizer TOK = Tokenizer.standard();

    private static PolicyConfig small() {
        return new PolicyConfig(TOK.vocabSize(), 40, 32, 4, 2, 64, 7L, DataType.FLOAT);
    }

    private static int[] prompt(String s) {
        return TOK.encode("<bos>" + s);
    }

    @Test
    void engineLogProbs_equalTeacherForcedPolicyLogProbs() {
        Policy policy = Policy.create(small());
        InferenceEngine engine = new InferenceEngine(policy.params(), 4);
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

    @Test
    void generatingNThenResumingForM_equalsGeneratingNPlusMAtOnce() {
        Params params = Params.initialise(small());
        InferenceEngine engine = new InferenceEngine(params, 3);
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

    static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
