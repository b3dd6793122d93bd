package dev.tributary.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Image;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The vision front end's shape, parameters, gradients and validation. */
class VisionFrontEndTest {
    private static final Tokenizer TOK = new Tokenizer(Tokenizer.DEFAULT_ALPHABET + "sumax?");
    private static final VisionConfig V = new VisionConfig(2, 8, 12, 1, 4);
    private static final PolicyConfig TEXT = new PolicyConfig(TOK.vocabSize(), 24, 16, 2, 1, 32, 5L, DataType.FLOAT);

    private static Image image(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[8 * 12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextDouble();
        }
        return new Image(8, 12, 1, px);
    }

    @Test
    void patches_areSquaresInRowMajorOrder() {
        float[] px = new float[8 * 12];
        for (int i = 0; i < px.length; i++) {
            px[i] = i / 100f;
        }
        float[] p = V.patches(List.of(new Image(8, 12, 1, px)));
        assertEquals(6, V.patchesPerImage());
        assertEquals(6 * 16, p.length);
        // Patch 1 is rows 0-3, columns 4-7; its second row starts at pixel (1, 4) = 16.
        assertEquals(4 / 100f, p[16]);
        assertEquals(16 / 100f, p[16 + 4]);
        // Patch 3 is rows 4-7, columns 0-3.
        assertEquals(48 / 100f, p[3 * 16]);
    }

    @Test
    void layout_ofAVisionModel_isTheTextLayoutFollowedByTheFrontEnd() {
        Params text = Params.initialise(TEXT);
        Params vision = Params.initialise(TEXT.withVision(V));
        WeightLayout t = WeightLayout.of(text);
        WeightLayout v = WeightLayout.of(vision);
        assertEquals(t.entries(), v.entries().subList(0, t.entries().size()));
        assertEquals(List.of("vis.w", "vis.b", "vis.pos"), v.entries().subList(t.entries().size(), v.entries().size())
                .stream().map(WeightLayout.Entry::name).toList());
        assertEquals(List.of(16L, 16L), List.of(v.entry("vis.w").shape()[0], v.entry("vis.w").shape()[1]));
        assertEquals(12L, v.entry("vis.pos").shape()[0]);
        // The text parameters are drawn first: the same seed gives the same text model.
        assertEquals(text.get("head"), vision.get("head"));
        // A text-only checkpoint loads into a text-only model; into a vision model it is refused by its layout.
        FlatWeights saved = FlatWeights.export(text, new PolicyVersion(3));
        Params other = Params.initialise(TEXT.withSeed(9));
        saved.importInto(other);
        assertEquals(text.get("wte"), other.get("wte"));
        var e = assertThrows(IllegalArgumentException.class, () -> saved.importInto(vision));
        assertTrue(e.getMessage().contains("entries where the model has"), e.getMessage());
        FlatWeights withVision = FlatWeights.export(vision, new PolicyVersion(3));
        Params copy = Params.initialise(TEXT.withVision(V).withSeed(4));
        withVision.importInto(copy);
        assertEquals(vision.get("vis.pos"), copy.get("vis.pos"));
    }

    @Test
    void javaGradients_ofTheFrontEnd_matchFiniteDifferences() {
        Policy policy = new Policy(Params.initialise(TEXT.withVision(V)), TrainerBackend.JAVA);
        int[] p = TOK.encode("<bos>sum?");
        int[][] seqs = {concat(p, new int[] {4, 5, 6}), concat(p, new int[] {7, 8})};
        SequenceBatch batch = new SequenceBatch(seqs, new int[] {p.length, p.length},
                List.of(List.of(image(1), image(2)), List.of(image(3))));
        double[][] ones = {{1, 1, 1}, {1, 1}};
        Map<String, INDArray> g = policy.backward(batch, ones).gradients();
        // Fixed directions: with float sums and a step of 1e-2, some random directions put the central difference's
        // own error above the tolerance.
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(20261206L);
        for (String name : List.of(Params.VIS_W, Params.VIS_B, Params.VIS_POS)) {
            INDArray param = policy.params().get(name);
            INDArray dir = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, param.shape()).subi(0.5);
            double analytic = g.get(name).castTo(DataType.DOUBLE).mul(dir.castTo(DataType.DOUBLE)).sumNumber()
                    .doubleValue();
            double eps = 1e-2;
            param.addi(dir.mul(eps));
            double plus = sum(policy.responseLogProbs(batch));
            param.subi(dir.mul(2 * eps));
            double minus = sum(policy.responseLogProbs(batch));
            param.addi(dir.mul(eps));
            double numeric = (plus - minus) / (2 * eps);
            assertTrue(Math.abs(analytic) > 1e-4, name + ": the gradient along a random direction is " + analytic);
            assertEquals(numeric, analytic, 0.03 * Math.abs(numeric) + 2e-4, name + " directional derivative");
        }
    }

    @Test
    void javaPasses_equalTheSameDiffGraph_withImages_logProbsAndGradients() {
        Params params = Params.initialise(TEXT.withVision(V));
        SplittableRandom rng = new SplittableRandom(3);
        for (var e : params.arrays().entrySet()) {
            INDArray a = e.getValue();
            for (long i = 0; i < a.length(); i++) {
                a.putScalar(i, a.getDouble(i) + rng.nextDouble(-0.05, 0.05));
            }
        }
        Policy cpu = new Policy(params, TrainerBackend.JAVA);
        Policy graph = new Policy(params, TrainerBackend.SAMEDIFF);
        // Sequences of different lengths with 0, 1 and 2 images: padding after every kind of row.
        int[][] seqs = new int[4][];
        int[] starts = new int[4];
        double[][] grad = new double[4][];
        List<List<Image>> images = List.of(List.of(image(1)), List.of(), List.of(image(2), image(3)),
                List.of(image(4)));
        for (int i = 0; i < 4; i++) {
            seqs[i] = new int[5 + 3 * i];
            for (int j = 0; j < seqs[i].length; j++) {
                seqs[i][j] = rng.nextInt(TOK.vocabSize());
            }
            starts[i] = 2 + i % 2;
            grad[i] = new double[seqs[i].length - starts[i]];
            for (int j = 0; j < grad[i].length; j++) {
                grad[i][j] = rng.nextDouble(-1, 1);
            }
        }
        SequenceBatch batch = new SequenceBatch(seqs, starts, images);
        Policy.Backward a = cpu.backward(batch, grad);
        Policy.Backward b = graph.backward(batch, grad);
        double[][] scored = graph.responseLogProbs(batch);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < grad[i].length; j++) {
                assertEquals(b.logProbs()[i][j], a.logProbs()[i][j], 1e-4, "log-prob " + i + "," + j);
                assertEquals(b.logProbs()[i][j], scored[i][j], 1e-6, "forward-only log-prob " + i + "," + j);
            }
        }
        assertEquals(b.gradients().keySet(), a.gradients().keySet());
        for (var e : b.gradients().entrySet()) {
            INDArray expected = e.getValue();
            INDArray actual = a.gradients().get(e.getKey());
            double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
            double diff = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-3 * scale, e.getKey() + ": max |Δ| " + diff + " vs max |g| " + scale);
        }
        assertTrue(b.gradients().get(Params.VIS_POS).amaxNumber().doubleValue() > 0, "vis.pos gets a gradient");
    }

    @Test
    void badImagesAndPrompts_areRefusedNamingTheValue() {
        float[] px = new float[4];
        px[2] = Float.NaN;
        var e = assertThrows(IllegalArgumentException.class, () -> new Image(2, 2, 1, px));
        assertEquals("image pixel value NaN at row 1, column 0, channel 0: expected a finite value in [0, 1]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Image(2, 2, 1, new float[] {0, 1, 2, 0}));
        assertTrue(e.getMessage().startsWith("image pixel value 2.0 at row 1, column 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Image(2, 2, 3, new float[4]));
        assertEquals("image of 2×2×3 has 4 values; expected 12", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Image(2, 0, 1, new float[0]));
        assertEquals("image width 0 must be in [1, 1024]", e.getMessage());
        Image big = Image.blank(512, 512, 1);
        e = assertThrows(IllegalArgumentException.class, () -> new Prompt("p", new int[] {1}, "t", 0, "1",
                List.of(big, Image.blank(8, 8, 1))));
        assertEquals("prompt 'p' carries 2 images of 1048832 bytes in all; expected at most 1048576 bytes "
                + "(Prompt.MAX_IMAGE_BYTES)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new VisionConfig(1, 8, 10, 1, 4));
        assertEquals("vision patch size 4 must be > 0 and divide the image's height 8 and width 10", e.getMessage());
        Prompt ok = new Prompt("q", new int[] {1}, "t", 0, "1", List.of(image(1)));
        assertEquals(8 * 12 * 4, ok.imageBytes());
        assertEquals("Prompt[q, t/0, 1 tokens, 1 image]", ok.toString());
        assertEquals(ok, new Prompt("q", new int[] {1}, "t", 0, "1", List.of(image(1))));
        assertTrue(!ok.equals(new Prompt("q", new int[] {1}, "t", 0, "1", List.of(image(2)))));
    }

    private static double sum(double[][] rows) {
        double s = 0;
        for (double[] r : rows) {
            for (double v : r) {
                s += v;
            }
        }
        return s;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
