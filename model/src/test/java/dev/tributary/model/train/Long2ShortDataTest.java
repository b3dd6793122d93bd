package dev.tributary.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.algo.LengthPenalty;
import dev.tributary.model.algo.LossBatch;
import dev.tributary.model.algo.ModelMerge;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data each long2short method learns from, on hand-made samples. */
class Long2ShortDataTest {
    private static final ArithmeticTask TASK = new ArithmeticTask(Tokenizer.standard(), 2, false);
    private static final Prompt P = TASK.prompt(12, 30, '+', 2);
    private static final Prompt Q = TASK.prompt(40, 41, '+', 2);

    private static Long2ShortData.Sampled sampled(Prompt p, int[] lengths, boolean[] correct) {
        List<int[]> responses = new ArrayList<>();
        for (int len : lengths) {
            int[] r = new int[len];
            java.util.Arrays.fill(r, 4 + len % 10); // a distinct response per length
            responses.add(r);
        }
        return new Long2ShortData.Sampled(p, responses, correct);
    }

    @Test
    void shortestRejectionSampling_keepsEachPromptsShortestCorrectResponse_andSkipsPromptsWithNone() {
        var a = sampled(P, new int[] {5, 3, 7, 4, 9, 3, 6, 8}, new boolean[] {true, false, true, true, false, true,
            false, true});
        var none = sampled(Q, new int[] {2, 3}, new boolean[] {false, false});
        List<Long2ShortData.Example> ex = Long2ShortData.shortestCorrect(List.of(a, none));
        assertEquals(1, ex.size(), "a prompt without a correct response gives nothing");
        assertSame(P, ex.get(0).prompt());
        assertSame(a.responses().get(5), ex.get(0).response(), "index 5: the shortest correct (3 tokens); index 1 "
                + "is as short but wrong");
    }

    @Test
    void dpo_prefersTheShortestCorrect_overEveryWrongOneAndCorrectOnesAtLeastOneAndAHalfTimesLonger() {
        var a = sampled(P, new int[] {5, 3, 7, 4, 9, 3, 6, 8}, new boolean[] {true, false, true, true, false, true,
            false, true});
        // Positive: index 5 (3 tokens). Negatives: wrong 1, 4, 6; correct and >= 4.5 tokens: 0 (5), 2 (7), 7 (8);
        // index 3 (4 tokens, correct) is not 1.5x longer and is neither.
        var allShortEnough = sampled(Q, new int[] {4, 5, 4}, new boolean[] {true, true, true});
        var noneCorrect = sampled(Q, new int[] {4, 5}, new boolean[] {false, false});
        List<Long2ShortData.Preferences> prefs = Long2ShortData.preferences(List.of(a, allShortEnough, noneCorrect),
                1.5);
        assertEquals(1, prefs.size(), "prompts without a negative or without a positive give no pairs");
        assertEquals(List.of(new LossBatch.Pair(5, 0), new LossBatch.Pair(5, 1), new LossBatch.Pair(5, 2),
                new LossBatch.Pair(5, 4), new LossBatch.Pair(5, 6), new LossBatch.Pair(5, 7)), prefs.get(0).pairs());
    }

    @Test
    void modelMerge_averagesTheWeightsByTheirCoefficients() {
        Params a = Params.initialise(PolicyConfig.defaults(TASK.tokenizer().vocabSize()));
        FlatWeights wa = FlatWeights.export(a, PolicyVersion.INITIAL);
        float[] other = wa.values().clone();
        for (int i = 0; i < other.length; i++) {
            other[i] = 4f;
        }
        FlatWeights wb = FlatWeights.of(PolicyVersion.INITIAL, wa.layout(), other);
        FlatWeights m = ModelMerge.average(List.of(wa, wb), new double[] {0.25, 0.75}, PolicyVersion.INITIAL);
        for (int i = 0; i < 50; i++) {
            assertEquals(0.25 * wa.value(i) + 3.0, m.value(i), 1e-5);
        }
    }

    @Test
    void long2shortRl_rewardsTheShorterCorrectAnswers_andNeverRewardsAWrongOneForBeingShort() {
        assertArrayEquals(new double[] {0.5, 0.0, -0.5, 0.0}, LengthPenalty.compute(new int[] {10, 20, 30, 10},
                new boolean[] {true, true, false, false}), 1e-12);
    }

    @Test
    void dpoSteps_widenTheMarginOfTheChosenResponseOverTheRejectedOne() {
        Policy policy = new Policy(Params.initialise(PolicyConfig.defaults(TASK.tokenizer().vocabSize())));
        Policy reference = new Policy(Params.initialise(PolicyConfig.defaults(TASK.tokenizer().vocabSize())));
        List<int[]> responses = List.of(TASK.workedSolution(P), TASK.tokenizer().encode("2+0+0=02,1+3+0=04,<sep>24<eos>"));
        var group = new DpoTrainer.Group(P, responses, DpoTrainer.logProbs(reference, P, responses),
                List.of(new LossBatch.Pair(0, 1)));
        DpoTrainer dpo = new DpoTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)), 0.1);
        double first = dpo.step(List.of(group)).loss();
        double last = first;
        for (int i = 0; i < 10; i++) {
            last = dpo.step(List.of(group)).loss();
        }
        assertEquals(Math.log(2), first, 1e-6, "the policy starts as its reference: a margin of 0");
        assertTrue(last < first - 0.01, "DPO lowered its loss: " + first + " -> " + last);
    }
}
