package dev.tributary.model.policy;

import dev.tributary.model.cpu.Backprop;
import dev.tributary.model.token.Tokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The trainable policy: a decoder-only transformer as a SameDiff graph (one-hot × matrix embeddings, learned
 * positions, pre-LayerNorm blocks with causal multi-head attention and a GELU MLP). It scores padded batches
 * teacher-forced and takes optimizer steps on any loss expressed as a gradient with respect to the response
 * log-probs (see {@code algo.PolicyLoss}).
 *
 * <p>The residual stream is kept as a 2-D {@code [batch·steps, d]} matrix so that every projection is one plain
 * matmul; only attention is reshaped to {@code [batch, heads, steps, headDim]}.
 *
 * <p>The arithmetic runs on a {@link TrainerBackend}: on a CPU, hand-written Java passes over unpadded sequences
 * ({@code cpu.Backprop}; the graph is then never built); on a GPU (or in DOUBLE for gradient checks), the graph.
 *
 * <p>A model with a vision front end ({@link VisionConfig}) puts each sequence's image patches, projected into the
 * residual stream, before its tokens; both backends do, and score the text tokens only.
 */
public final class Policy {
    private final PolicyConfig config;
    private final Params params;
    private final TrainerBackend backend;
    private final String[] paramNames;
    private SameDiff sd;
    private Backprop cpuPass;

    /** A policy on the {@link TrainerBackend#AUTO} backend: hand-written Java passes for a FLOAT model on a CPU. */
    public Policy(Params params) {
        this(params, TrainerBackend.AUTO);
    }

    public Policy(Params params, TrainerBackend backend) {
        this.config = params.config();
        this.params = params;
        this.backend = java.util.Objects.requireNonNull(backend, "trainer backend").resolve(config);
        this.paramNames = params.arrays().keySet().toArray(String[]::new);
    }

    /** The backend this policy computes on ({@link TrainerBackend#AUTO} resolved). */
    public TrainerBackend backend() {
        return backend;
    }

    /** The SameDiff graph, built on first use (the Java backend never needs it). */
    private SameDiff graph() {
        if (sd == null) {
            sd = SameDiff.create();
            build();
        }
        return sd;
    }

    private Backprop javaPass() {
        if (cpuPass == null) {
            cpuPass = new Backprop(config);
        }
        return cpuPass;
    }

    public static Policy create(PolicyConfig config) {
        return new Policy(Params.initialise(config));
    }

    public PolicyConfig config() {
        return config;
    }

    public Params params() {
        return params;
    }

    private void build() {
        DataType dt = config.dataType();
        int d = config.dModel();
        int h = config.heads();
        SDVariable tokens = sd.placeHolder("tokens", dt, -1, config.vocabSize());
        SDVariable positions = sd.placeHolder("positions", dt, -1, config.contextLength());
        SDVariable targets = sd.placeHolder("targets", dt, -1, config.vocabSize());
        SDVariable causal = sd.placeHolder("causal", dt, -1, -1);
        SDVariable headShape = sd.placeHolder("headShape", DataType.LONG, 4);
        SDVariable lossGrad = sd.placeHolder("lossGrad", dt, -1);
        Map<String, SDVariable> v = new HashMap<>();
        for (var e : params.arrays().entrySet()) {
            v.put(e.getKey(), sd.var(e.getKey(), e.getValue()));
        }
        SDVariable x = sd.mmul(tokens, v.get("wte")).add(sd.mmul(positions, v.get("wpe")));
        if (config.vision().enabled()) {
            // Every real patch of the batch as one row, projected, plus its patch position; patchSel places each at
            // its sequence's row (patch rows have no token or position one-hot, so this is their whole embedding).
            var vis = config.vision();
            SDVariable patches = sd.placeHolder("patches", dt, -1, vis.patchDim());
            SDVariable patchPos = sd.placeHolder("patchPos", dt, -1, vis.maxPatches());
            SDVariable patchSel = sd.placeHolder("patchSel", dt, -1, -1);
            SDVariable embedded = sd.mmul(patches, v.get(Params.VIS_W)).add(v.get(Params.VIS_B))
                    .add(sd.mmul(patchPos, v.get(Params.VIS_POS)));
            x = x.add(sd.mmul(patchSel, embedded));
        }
        double scale = 1.0 / Math.sqrt(config.headDim());
        for (int l = 0; l < config.layers(); l++) {
            String p = "h" + l + ".";
            SDVariable a = sd.nn.layerNorm(x, v.get(p + "ln1.g"), v.get(p + "ln1.b"), false, 1);
            SDVariable q = heads(sd.mmul(a, v.get(p + "attn.wq")), headShape);
            SDVariable k = heads(sd.mmul(a, v.get(p + "attn.wk")), headShape);
            SDVariable val = heads(sd.mmul(a, v.get(p + "attn.wv")), headShape);
            SDVariable scores = sd.mmul(q, k, false, true, false).mul(scale).add(causal);
            SDVariable att = sd.nn.softmax(scores, -1);
            SDVariable o = sd.reshape(sd.permute(sd.mmul(att, val), 0, 2, 1, 3), -1, d);
            x = x.add(sd.mmul(o, v.get(p + "attn.wo")));
            SDVariable m = sd.nn.layerNorm(x, v.get(p + "ln2.g"), v.get(p + "ln2.b"), false, 1);
            SDVariable hid = sd.nn.gelu(sd.mmul(m, v.get(p + "mlp.w1")).add(v.get(p + "mlp.b1")));
            x = x.add(sd.mmul(hid, v.get(p + "mlp.w2")).add(v.get(p + "mlp.b2")));
        }
        SDVariable f = sd.nn.layerNorm(x, v.get("lnf.g"), v.get("lnf.b"), false, 1);
        SDVariable logits = sd.mmul(f, v.get("head"));
        SDVariable logp = sd.nn.logSoftmax(logits).mul(targets).sum(1);
        sd.identity("tokenLogp", logp);
        // Surrogate whose gradient w.r.t. each token log-prob is lossGrad: chains any loss through the graph.
        SDVariable loss = logp.mul(lossGrad).sum();
        sd.identity("loss", loss);
        sd.setLossVariables("loss");
        if (h < 1) {
            throw new IllegalStateException("unreachable: heads validated by PolicyConfig");
        }
    }

    private SDVariable heads(SDVariable x2d, SDVariable headShape) {
        return sd.permute(sd.reshape(x2d, headShape), 0, 2, 1, 3);
    }

    /** Teacher-forced log-prob of every response token; row i has {@code batch.responseLength(i)} entries. */
    public double[][] responseLogProbs(SequenceBatch batch) {
        if (backend == TrainerBackend.JAVA) {
            validate(batch, null);
            Backprop.Result r = javaPass().run(params, batch.sequences(), patches(batch), null);
            return responseRows(batch, r);
        }
        Map<String, INDArray> feed = feed(batch, null);
        INDArray out = graph().output(feed, "tokenLogp").get("tokenLogp");
        return unflatten(batch, patchRows(batch), out);
    }

    /** The response log-probs of a forward pass and the gradients of its backward pass, owned by the caller. */
    public record Backward(double[][] logProbs, Map<String, INDArray> gradients) {
    }

    /**
     * A batch's response log-probs from one forward pass and, where kept, that pass itself, for a
     * {@link #backward(Scored, double[][])} over the same batch at the same parameters that need not run it again.
     */
    public static final class Scored {
        private final SequenceBatch batch;
        private final double[][] logProbs;
        private Backprop.Forward pass;

        private Scored(SequenceBatch batch, double[][] logProbs, Backprop.Forward pass) {
            this.batch = batch;
            this.logProbs = logProbs;
            this.pass = pass;
        }

        public SequenceBatch batch() {
            return batch;
        }

        /** Teacher-forced log-prob of every response token, as {@link #responseLogProbs} gives them. */
        public double[][] logProbs() {
            return logProbs;
        }

        /** Bytes the kept forward pass holds (0 if none is kept). */
        public long keptBytes() {
            return pass == null ? 0 : pass.activationBytes();
        }
    }

    /**
     * {@link #responseLogProbs} of {@code batch}, keeping the forward pass (its activations, {@link Scored#keptBytes}
     * of them) when {@code keep} and the Java backend runs it; the SameDiff graph keeps nothing and computes its
     * forward pass again in {@link #backward(Scored, double[][])}.
     */
    public Scored score(SequenceBatch batch, boolean keep) {
        if (backend == TrainerBackend.JAVA && keep) {
            validate(batch, null);
            Backprop.Forward f = javaPass().forward(params, batch.sequences(), patches(batch));
            return new Scored(batch, responseRows(batch, f.result()), f);
        }
        return new Scored(batch, responseLogProbs(batch), null);
    }

    /**
     * {@link #backward(SequenceBatch, double[][])} of the scored batch: from its kept forward pass when there is one
     * (the parameters must not have changed since; the kept pass is released), else by running the forward pass
     * again. The gradients are the same either way, bit for bit.
     */
    public Backward backward(Scored scored, double[][] lossGrad) {
        Backprop.Forward f = scored.pass;
        if (f == null) {
            return backward(scored.batch, lossGrad);
        }
        scored.pass = null;
        validate(scored.batch, lossGrad);
        return javaGradients(scored.batch, javaPass().backward(f, perTarget(scored.batch, lossGrad)));
    }

    /**
     * Gradients of the surrogate {@code Σ lossGrad · logp} w.r.t. every parameter, where {@code lossGrad[i][j]} is
     * dL/d(log-prob of response token j of sequence i) — so any loss of the log-probs chains through the graph.
     */
    public Backward backward(SequenceBatch batch, double[][] lossGrad) {
        if (backend == TrainerBackend.JAVA) {
            validate(batch, lossGrad);
            return javaGradients(batch, javaPass().run(params, batch.sequences(), patches(batch),
                    perTarget(batch, lossGrad)));
        }
        Map<String, INDArray> feed = feed(batch, lossGrad);
        SameDiff g = graph();
        OutAndGrad r = Quiet.call(() -> g.calculateGradientsAndOutputs(feed, List.of("tokenLogp"), List.of(paramNames)));
        Map<String, INDArray> out = new HashMap<>();
        for (String n : paramNames) {
            out.put(n, r.getGradients().get(n).dup());
        }
        return new Backward(unflatten(batch, patchRows(batch), r.getOutputs().get("tokenLogp")), out);
    }

    /** The loss gradient per response token as the Java pass takes it: per target, zero over the prompt. */
    private static float[][] perTarget(SequenceBatch batch, double[][] lossGrad) {
        float[][] perTarget = new float[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            perTarget[i] = new float[batch.sequences()[i].length - 1];
            for (int j = 0; j < lossGrad[i].length; j++) {
                perTarget[i][batch.responseStart()[i] - 1 + j] = (float) lossGrad[i][j];
            }
        }
        return perTarget;
    }

    private Backward javaGradients(SequenceBatch batch, Backprop.Result r) {
        Map<String, INDArray> grads = new HashMap<>();
        for (var e : r.gradients().entrySet()) {
            grads.put(e.getKey(), Backprop.toArray(params, e.getKey(), e.getValue()));
        }
        return new Backward(responseRows(batch, r), grads);
    }

    /** One optimizer step on the loss whose gradient w.r.t. the response log-probs is {@code lossGrad}. */
    public double step(SequenceBatch batch, double[][] lossGrad, Optimizer optimizer) {
        return optimizer.step(params, backward(batch, lossGrad).gradients());
    }

    /** Each sequence's patch rows for the vision front end (null when the batch has no images). */
    private float[][] patches(SequenceBatch batch) {
        if (!batch.hasImages()) {
            return null;
        }
        float[][] out = new float[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            out[i] = config.vision().patches(batch.images().get(i));
        }
        return out;
    }

    /** Context length, token range and loss-gradient rows, checked before either path runs a batch. */
    private void validate(SequenceBatch batch, double[][] lossGrad) {
        int t = batch.steps();
        if (t + 1 > config.contextLength()) {
            throw new IllegalArgumentException("sequence of " + (t + 1) + " tokens exceeds the context length "
                    + config.contextLength());
        }
        if (t < 1) {
            throw new IllegalArgumentException("every batch needs a sequence of at least 2 tokens to predict one");
        }
        for (int i = 0; i < batch.size(); i++) {
            int[] s = batch.sequences()[i];
            for (int j = 0; j < s.length; j++) {
                checkToken(s[j], i, j);
            }
            config.vision().check(batch.images().get(i), "sequence " + i + " of the batch");
            if (lossGrad != null && lossGrad[i].length != batch.responseLength(i)) {
                throw new IllegalArgumentException("loss gradient row " + i + " has " + lossGrad[i].length
                        + " entries; expected " + batch.responseLength(i) + " (one per response token)");
            }
        }
    }

    private static double[][] responseRows(SequenceBatch batch, Backprop.Result r) {
        double[][] out = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            out[i] = new double[batch.responseLength(i)];
            int from = r.rowStart()[i] + batch.responseStart()[i] - 1;
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = r.logProbs()[from + j];
            }
        }
        return out;
    }

    /**
     * Rows of the padded graph batch: sequence i's rows are its {@code patchRows[i]} patches, then its text inputs,
     * then padding to {@code t} rows (so that padding only ever follows what is real, as causal attention needs).
     */
    private int[] patchRows(SequenceBatch batch) {
        int[] rows = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            rows[i] = config.vision().patchCount(batch.images().get(i).size());
        }
        return rows;
    }

    private static int rowsPerSequence(SequenceBatch batch, int[] patchRows) {
        int t = 0;
        for (int i = 0; i < batch.size(); i++) {
            t = Math.max(t, patchRows[i] + batch.sequences()[i].length - 1);
        }
        return t;
    }

    private Map<String, INDArray> feed(SequenceBatch batch, double[][] lossGrad) {
        validate(batch, lossGrad);
        int b = batch.size();
        int[] patchRows = patchRows(batch);
        int t = rowsPerSequence(batch, patchRows);
        DataType dt = config.dataType();
        int vocab = config.vocabSize();
        INDArray tok = Nd4j.zeros(dt, (long) b * t, vocab);
        INDArray tgt = Nd4j.zeros(dt, (long) b * t, vocab);
        INDArray pos = Nd4j.zeros(dt, (long) b * t, config.contextLength());
        INDArray grad = Nd4j.zeros(dt, (long) b * t);
        for (int i = 0; i < b; i++) {
            int[] s = batch.sequences()[i];
            int p = patchRows[i];
            for (int j = p; j < t; j++) {
                long row = (long) i * t + j;
                int k = j - p;
                int in = k < s.length - 1 ? s[k] : Tokenizer.PAD;
                tok.putScalar(row, in, 1.0);
                pos.putScalar(row, Math.min(k, config.contextLength() - 1), 1.0);
                if (k + 1 < s.length) {
                    tgt.putScalar(row, s[k + 1], 1.0);
                }
            }
            if (lossGrad != null) {
                for (int r = 0; r < lossGrad[i].length; r++) {
                    grad.putScalar((long) i * t + p + batch.responseStart()[i] - 1 + r, lossGrad[i][r]);
                }
            }
        }
        INDArray causal = Nd4j.zeros(dt, t, t);
        for (int r = 0; r < t; r++) {
            for (int c = r + 1; c < t; c++) {
                causal.putScalar(r, c, Attention.MASKED);
            }
        }
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("tokens", tok);
        feed.put("targets", tgt);
        feed.put("positions", pos);
        feed.put("causal", causal);
        feed.put("headShape", Nd4j.createFromArray((long) b, t, config.heads(), config.headDim()));
        feed.put("lossGrad", grad);
        if (config.vision().enabled()) {
            feedPatches(batch, patchRows, t, feed);
        }
        return feed;
    }

    /** The batch's real patches, their positions and where each goes (a dummy zero row when there are none). */
    private void feedPatches(SequenceBatch batch, int[] patchRows, int t, Map<String, INDArray> feed) {
        var vis = config.vision();
        DataType dt = config.dataType();
        int total = java.util.Arrays.stream(patchRows).sum();
        int n = Math.max(1, total);
        float[] values = new float[n * vis.patchDim()];
        INDArray patchPos = Nd4j.zeros(dt, n, vis.maxPatches());
        INDArray patchSel = Nd4j.zeros(dt, (long) batch.size() * t, n);
        int at = 0;
        for (int i = 0; i < batch.size(); i++) {
            float[] rows = vis.patches(batch.images().get(i));
            System.arraycopy(rows, 0, values, at * vis.patchDim(), rows.length);
            for (int p = 0; p < patchRows[i]; p++, at++) {
                patchPos.putScalar(at, p, 1.0);
                patchSel.putScalar((long) i * t + p, at, 1.0);
            }
        }
        feed.put("patches", Nd4j.create(values, new long[] {n, vis.patchDim()}, 'c').castTo(dt));
        feed.put("patchPos", patchPos);
        feed.put("patchSel", patchSel);
    }

    private int checkToken(int token, int row, int at) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token " + token + " at position " + at + " of sequence " + row
                    + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        return token;
    }

    private static double[][] unflatten(SequenceBatch batch, int[] patchRows, INDArray flat) {
        int t = rowsPerSequence(batch, patchRows);
        double[] all = flat.toDoubleVector();
        double[][] out = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            out[i] = new double[batch.responseLength(i)];
            System.arraycopy(all, i * t + patchRows[i] + batch.responseStart()[i] - 1, out[i], 0, out[i].length);
        }
        return out;
    }
}
