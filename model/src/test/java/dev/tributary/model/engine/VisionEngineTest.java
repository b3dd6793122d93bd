package dev.tributary.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.FinishReason;
import dev.tributary.model.Image;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.policy.VisionConfig;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The vision front end in the Java engine against the Java trainer's teacher-forced pass, and resumption. */
class VisionEngineTest {
    private static final Tokenizer TOK = new Tokenizer(Tokenizer.DEFAULT_ALPHABET + "sumax?");
    static final VisionConfig VISION = new VisionConfig(2, 8, 12, 1, 4);

    static PolicyConfig visionModel() {
        return new PolicyConfig(TOK.vocabSize(), 40, 32, 4, 2, 64, 7L, DataType.FLOAT).withVision(VISION);
    }

    static Image image(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[8 * 12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextDouble();
        }
        return new Image(8, 12, 1, px);
    }

    private static int[] prompt(String s) {
        return TOK.encode("<bos>" + s);
    }

    @ParameterizedTest
    @EnumSource(names = {"JAVA", "ND4J"})
    void engineLogProbs_withImages_equalTeacherForcedLogProbs(EngineBackend backend) {
        Policy policy = Policy.create(visionModel());
        InferenceEngine engine = new InferenceEngine(policy.params(), 3, backend);
        String[] texts = {"sum?", "max?", "1=", "sum?", "3+3="};
        List<List<Image>> images = List.of(List.of(image(1)), List.of(image(2), image(3)), List.of(),
                List.of(image(4)), List.of(image(5), image(1)));
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            reqs.add(GenerationRequest.of("r" + i, prompt(texts[i]), 10 + i, Sampling.of(1.0), 100 + i)
                    .withImages(images.get(i)));
        }
        List<Generation> gens = engine.generate(reqs);
        int[][] seqs = new int[gens.size()][];
        int[] starts = new int[gens.size()];
        for (int i = 0; i < gens.size(); i++) {
            assertTrue(gens.get(i).tokens().length > 0, "request " + i + " generated nothing");
            seqs[i] = InferenceEngineTest.concat(reqs.get(i).prefix(), gens.get(i).tokens());
            starts[i] = reqs.get(i).prefix().length;
        }
        double[][] teacher = policy.responseLogProbs(new SequenceBatch(seqs, starts, images));
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
     * A weight swap in the middle of image prompts, the cache recomputed: the patches' rows are recomputed with the
     * text, so tokens after the swap have the new weights' teacher-forced log-probs (≤ 1e-4), those before the old.
     */
    @ParameterizedTest
    @EnumSource(names = {"JAVA", "ND4J"})
    void aWeightSwapMidSequence_withImages_recomputesThePatchesToo(EngineBackend backend) {
        Policy before = Policy.create(visionModel());
        Policy after = Policy.create(new PolicyConfig(TOK.vocabSize(), 40, 32, 4, 2, 64, 9L, DataType.FLOAT)
                .withVision(VISION));
        Policy engineCopy = Policy.create(visionModel());
        FlatWeights.export(before.params(), PolicyVersion.INITIAL).importInto(engineCopy.params());
        InferenceEngine engine = new InferenceEngine(engineCopy.params(), 3, backend);
        String[] texts = {"sum?", "max?", "1=", "sum?"};
        List<List<Image>> images = List.of(List.of(image(1)), List.of(image(2), image(3)), List.of(),
                List.of(image(4)));
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            reqs.add(GenerationRequest.of("r" + i, prompt(texts[i]), 14, Sampling.of(1.0), 300 + i)
                    .withImages(images.get(i)));
        }
        FlatWeights newer = FlatWeights.export(after.params(), new PolicyVersion(1));
        int[] asked = {0};
        java.util.Map<String, Generation> gens = new java.util.HashMap<>();
        engine.generate(reqs, g -> gens.put(g.id(), g), () -> {
            if (++asked[0] != 6) {
                return false;
            }
            newer.importInto(engine.params());
            return true;
        }, InferenceEngine.KvOnSwap.RECOMPUTE);
        int[][] seqs = new int[reqs.size()][];
        int[] starts = new int[reqs.size()];
        for (int i = 0; i < reqs.size(); i++) {
            seqs[i] = InferenceEngineTest.concat(reqs.get(i).prefix(), gens.get("r" + i).tokens());
            starts[i] = reqs.get(i).prefix().length;
        }
        double[][] old = before.responseLogProbs(new SequenceBatch(seqs, starts, images));
        double[][] fresh = after.responseLogProbs(new SequenceBatch(seqs, starts, images));
        double maxOld = 0;
        double maxNew = 0;
        int spanning = 0;
        for (int i = 0; i < reqs.size(); i++) {
            Generation g = gens.get("r" + i);
            int[] marks = g.weights();
            spanning += marks.length > 0 && marks[0] == 0 && marks[marks.length - 1] == 1 ? 1 : 0;
            for (int j = 0; j < marks.length; j++) {
                double d = Math.abs(g.logProbs()[j] - (marks[j] == 0 ? old : fresh)[i][j]);
                if (marks[j] == 0) {
                    maxOld = Math.max(maxOld, d);
                } else {
                    maxNew = Math.max(maxNew, d);
                }
            }
        }
        assertTrue(spanning > 0, "no sequence spans the swap");
        assertTrue(maxOld <= 1e-4 && maxNew <= 1e-4, "vs the weights that generated them: before " + maxOld
                + ", after " + maxNew);
    }

    @Test
    void imagesChangeTheDistribution() {
        Policy policy = Policy.create(visionModel());
        int[] p = prompt("sum?");
        int[] seq = InferenceEngineTest.concat(p, new int[] {5, 6, 7});
        double[][] a = policy.responseLogProbs(new SequenceBatch(new int[][] {seq}, new int[] {p.length},
                List.of(List.of(image(1)))));
        double[][] b = policy.responseLogProbs(new SequenceBatch(new int[][] {seq}, new int[] {p.length},
                List.of(List.of(image(2)))));
        double[][] none = policy.responseLogProbs(new SequenceBatch(new int[][] {seq}, new int[] {p.length},
                List.of(List.of())));
        assertTrue(Math.abs(a[0][0] - b[0][0]) > 1e-6, "two images gave the same log-prob " + a[0][0]);
        assertTrue(Math.abs(a[0][0] - none[0][0]) > 1e-6, "an image changed nothing against none");
    }

    @ParameterizedTest
    @EnumSource(names = {"JAVA", "ND4J"})
    void generatingNThenResumingForM_withImages_equalsGeneratingNPlusMAtOnce(EngineBackend backend) {
        Params params = Params.initialise(visionModel());
        InferenceEngine engine = new InferenceEngine(params, 3, backend);
        int[] p = prompt("max?");
        List<Image> img = List.of(image(7), image(8));
        Sampling s = new Sampling(1.3, 0.95);
        long seed = 42;
        Generation whole = engine.generate(List.of(GenerationRequest.of("w", p, 14, s, seed).withImages(img))).get(0);
        while (whole.tokens().length < 14 && seed < 142) {
            seed++;
            whole = engine.generate(List.of(GenerationRequest.of("w", p, 14, s, seed).withImages(img))).get(0);
        }
        assertEquals(FinishReason.TOKEN_BUDGET, whole.finishReason(), "no seed in [42, 142) filled the budget");
        Generation first = engine.generate(List.of(GenerationRequest.of("a", p, 6, s, seed).withImages(img))).get(0);
        assertEquals(FinishReason.TOKEN_BUDGET, first.finishReason());
        List<Generation> resumed = engine.generate(List.of(
                GenerationRequest.of("other", prompt("9+9="), 5, s, 7).withImages(List.of(image(9))),
                new GenerationRequest("b", InferenceEngineTest.concat(p, first.tokens()), 8, s, seed, 0, 0, p.length,
                        img)));
        Generation second = resumed.get(1);
        assertArrayEquals(whole.tokens(), InferenceEngineTest.concat(first.tokens(), second.tokens()));
        float[] joined = new float[14];
        System.arraycopy(first.logProbs(), 0, joined, 0, 6);
        System.arraycopy(second.logProbs(), 0, joined, 6, 8);
        assertArrayEquals(whole.logProbs(), joined, backend == EngineBackend.JAVA ? 0f : 1e-5f);
    }

    @Test
    void badImages_areRefusedNamingTheValueAndTheExpectation() {
        InferenceEngine engine = new InferenceEngine(Params.initialise(visionModel()), 1, EngineBackend.JAVA);
        var e = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(
                GenerationRequest.of("x", prompt("sum?"), 3, Sampling.GREEDY, 1).withImages(List.of(Image.blank(8, 8, 1))))));
        assertEquals("image 0 of request x is 8×8×1; the model's vision front end expects 8×12×1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(
                GenerationRequest.of("y", prompt("sum?"), 3, Sampling.GREEDY, 1)
                        .withImages(List.of(image(1), image(2), image(3))))));
        assertTrue(e.getMessage().contains("request y carries 3 images; the model's vision front end takes at most 2"),
                e.getMessage());
        InferenceEngine text = new InferenceEngine(Params.initialise(visionModel().withVision(VisionConfig.NONE)), 1);
        e = assertThrows(IllegalArgumentException.class, () -> text.generate(List.of(
                GenerationRequest.of("z", prompt("sum?"), 3, Sampling.GREEDY, 1).withImages(List.of(image(1))))));
        assertTrue(e.getMessage().startsWith("request z carries 1 image but the model has no vision front end"),
                e.getMessage());
        Policy textPolicy = Policy.create(visionModel().withVision(VisionConfig.NONE));
        e = assertThrows(IllegalArgumentException.class, () -> textPolicy.responseLogProbs(new SequenceBatch(
                new int[][] {prompt("sum?1")}, new int[] {5}, List.of(List.of(image(1))))));
        assertTrue(e.getMessage().startsWith("sequence 0 of the batch carries 1 image but the model has no vision"),
                e.getMessage());
    }
}
