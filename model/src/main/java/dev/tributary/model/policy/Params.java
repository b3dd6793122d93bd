package dev.tributary.model.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The named parameter arrays of the transformer in their canonical order. Policy and inference engine hold
 * the same instances, so an in-place optimizer step is seen by the engine without a copy (colocated mode).
 */
public final class Params {
    /** The vision front end's patch projection {@code [patchDim, d]}, its bias and the learned patch positions. */
    public static final String VIS_W = "vis.w";
    public static final String VIS_B = "vis.b";
    public static final String VIS_POS = "vis.pos";

    private final PolicyConfig config;
    private final Map<String, INDArray> arrays;

    private Params(PolicyConfig config, Map<String, INDArray> arrays) {
        this.config = config;
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /** GPT-2 style initialisation: N(0, 0.02) weights, residual projections scaled by 1/sqrt(2·layers). */
    public static Params initialise(PolicyConfig c) {
        SplittableRandom rng = new SplittableRandom(c.seed());
        double residualStd = 0.02 / Math.sqrt(2.0 * c.layers());
        Map<String, INDArray> m = new LinkedHashMap<>();
        int d = c.dModel();
        m.put("wte", normal(rng, 0.02, c, c.vocabSize(), d));
        m.put("wpe", normal(rng, 0.01, c, c.contextLength(), d));
        for (int l = 0; l < c.layers(); l++) {
            String p = "h" + l + ".";
            m.put(p + "ln1.g", Nd4j.ones(c.dataType(), d));
            m.put(p + "ln1.b", Nd4j.zeros(c.dataType(), d));
            m.put(p + "attn.wq", normal(rng, 0.02, c, d, d));
            m.put(p + "attn.wk", normal(rng, 0.02, c, d, d));
            m.put(p + "attn.wv", normal(rng, 0.02, c, d, d));
            m.put(p + "attn.wo", normal(rng, residualStd, c, d, d));
            m.put(p + "ln2.g", Nd4j.ones(c.dataType(), d));
            m.put(p + "ln2.b", Nd4j.zeros(c.dataType(), d));
            m.put(p + "mlp.w1", normal(rng, 0.02, c, d, c.ffHidden()));
            m.put(p + "mlp.b1", Nd4j.zeros(c.dataType(), c.ffHidden()));
            m.put(p + "mlp.w2", normal(rng, residualStd, c, c.ffHidden(), d));
            m.put(p + "mlp.b2", Nd4j.zeros(c.dataType(), d));
        }
        m.put("lnf.g", Nd4j.ones(c.dataType(), d));
        m.put("lnf.b", Nd4j.zeros(c.dataType(), d));
        m.put("head", normal(rng, 0.02, c, d, c.vocabSize()));
        VisionConfig v = c.vision();
        if (v.enabled()) {
            // After the text model's parameters, drawn after them: a text-only layout is a prefix of this one.
            m.put(VIS_W, normal(rng, 0.02, c, v.patchDim(), d));
            m.put(VIS_B, Nd4j.zeros(c.dataType(), d));
            m.put(VIS_POS, normal(rng, 0.01, c, v.maxPatches(), d));
        }
        return new Params(c, m);
    }

    static Params wrap(PolicyConfig c, Map<String, INDArray> arrays) {
        return new Params(c, new LinkedHashMap<>(arrays));
    }

    private static INDArray normal(SplittableRandom rng, double std, PolicyConfig c, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = gaussian(rng) * std;
        }
        return Nd4j.create(v, new long[] {rows, cols}, c.dataType());
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(Double.MIN_NORMAL, 1.0);
        double u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    public PolicyConfig config() {
        return config;
    }

    /** Name to array, in canonical order. The arrays are live: writing them changes the model. */
    public Map<String, INDArray> arrays() {
        return arrays;
    }

    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; the model has " + arrays.keySet());
        }
        return a;
    }

    public long count() {
        return arrays.values().stream().mapToLong(INDArray::length).sum();
    }
}
