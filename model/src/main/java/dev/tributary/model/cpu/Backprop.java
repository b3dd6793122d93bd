package dev.tributary.model.cpu;

import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The policy's teacher-forced forward pass and its gradients in plain Java over a float copy of the weights — the
 * same function as the SameDiff graph, which stays the reference. Sequences are not padded: the projections of
 * every real position of every sequence run as one matmul, attention runs per sequence over its own positions, so
 * the work is what the batch holds. The result's gradients are of {@code Σ lossGrad · logp} w.r.t. every parameter.
 *
 * <p>Not thread-safe; one instance belongs to one policy.
 */
public final class Backprop {
    /** Log-probs of every target token (row-major over sequences) and, after a backward pass, the gradients. */
    public record Result(float[] logProbs, int[] rowStart, Map<String, float[]> gradients) {
    }

    private final PolicyConfig cfg;
    private final Weights w;
    private final int d;
    private final int heads;
    private final int hd;
    private final int ff;
    private final int vocab;
    private final float scale;

    public Backprop(PolicyConfig cfg) {
        this.cfg = cfg;
        this.w = new Weights(cfg);
        this.d = cfg.dModel();
        this.heads = cfg.heads();
        this.hd = cfg.headDim();
        this.ff = cfg.ffHidden();
        this.vocab = cfg.vocabSize();
        this.scale = (float) (1.0 / Math.sqrt(hd));
    }

    /**
     * Runs the batch; {@code lossGrad[i][j]} (dL/d log-prob of target j+1 of sequence i, over all its targets, or
     * null for a forward pass only) drives the backward pass.
     */
    public Result run(Params params, int[][] seqs, float[][] lossGrad) {
        return run(params, seqs, null, lossGrad);
    }

    /**
     * As {@link #run(Params, int[][], float[][])}, with {@code patches[i]} (null or empty: none) the patch rows
     * ({@code [count, patchDim]}, see {@code VisionConfig.patches}) placed before sequence i's tokens. The result's
     * log-probs and row starts cover the text targets only.
     */
    public Result run(Params params, int[][] seqs, float[][] patches, float[][] lossGrad) {
        Forward f = forward(params, seqs, patches);
        return lossGrad == null ? f.result() : backward(f, lossGrad);
    }

    /**
     * A forward pass kept for the backward pass of the same batch: its log-probs, and the activations the backward
     * pass reads, so that a caller that needs the log-probs before it knows the loss gradient (a trainer step: the
     * loss is a function of them) runs the forward pass once instead of twice. Valid while the parameters it was
     * run with are unchanged; {@link #activationBytes} is what keeping it costs.
     */
    public final class Forward {
        private final Pass pass;
        private final Layout layout;
        private final Result result;

        private Forward(Pass pass, Layout layout, Result result) {
            this.pass = pass;
            this.layout = layout;
            this.result = result;
        }

        /** The log-probs of every target token (no gradients). */
        public Result result() {
            return result;
        }

        /** Bytes of the activations this pass holds for the backward pass. */
        public long activationBytes() {
            return pass.bytes();
        }
    }

    /** The forward pass of {@code seqs} (with {@code patches}, may be null) at the current {@code params}. */
    public Forward forward(Params params, int[][] seqs, float[][] patches) {
        w.refresh(params);
        int b = seqs.length;
        int[] rowStart = new int[b + 1];
        int[] allStart = new int[b + 1];
        int[] patchRows = new int[b];
        int[] attStart = new int[b + 1];
        int patchDim = cfg.vision().patchDim();
        for (int i = 0; i < b; i++) {
            int n = Math.max(0, seqs[i].length - 1);
            patchRows[i] = patches == null || patches[i] == null || patchDim == 0 ? 0 : patches[i].length / patchDim;
            int m = patchRows[i] + n;
            rowStart[i + 1] = rowStart[i] + n;
            allStart[i + 1] = allStart[i] + m;
            attStart[i + 1] = attStart[i] + heads * m * m;
        }
        Pass p = new Pass(allStart[b], attStart[b]);
        Layout at = new Layout(seqs, patches, patchRows, allStart, attStart);
        forwardPass(p, at);
        float[] logProbs = new float[rowStart[b]];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < rowStart[i + 1] - rowStart[i]; j++) {
                int r = allStart[i] + patchRows[i] + j;
                int target = seqs[i][j + 1];
                logProbs[rowStart[i] + j] = (float) Math.log(Math.max(p.prob[r * vocab + target], Float.MIN_NORMAL));
            }
        }
        return new Forward(p, at, new Result(logProbs, rowStart, Map.of()));
    }

    /**
     * The backward pass of {@code f}, a forward pass of this instance at the parameters still current:
     * {@code lossGrad[i][j]} is dL/d log-prob of target j+1 of sequence i. The same gradients, bit for bit, as
     * {@link #run} with the same loss gradient.
     */
    public Result backward(Forward f, float[][] lossGrad) {
        return new Result(f.result.logProbs(), f.result.rowStart(), backward(f.pass, f.layout, lossGrad));
    }

    /** Where each sequence's rows are: its patch rows first, then its text inputs. */
    private record Layout(int[][] seqs, float[][] patches, int[] patchRows, int[] allStart, int[] attStart) {
        int rows(int i) {
            return allStart[i + 1] - allStart[i];
        }

        /** The first text row of sequence i. */
        int text(int i) {
            return allStart[i] + patchRows[i];
        }
    }

    /** Activations of one batch, kept for the backward pass. */
    private final class Pass {
        final int rows;
        final float[][] x;
        final float[][] xhat1;
        final float[][] inv1;
        final float[][] a1;
        final float[][] qkv;
        final float[][] att;
        final float[][] o;
        final float[][] xm;
        final float[][] xhat2;
        final float[][] inv2;
        final float[][] a2;
        final float[][] pre;
        final float[][] hid;
        final float[][] sig;
        final float[] xf;
        final float[] xhatf;
        final float[] invf;
        final float[] af;
        final float[] prob;

        Pass(int rows, int attSize) {
            int layers = cfg.layers();
            this.rows = rows;
            x = new float[layers][rows * d];
            xhat1 = new float[layers][rows * d];
            inv1 = new float[layers][rows];
            a1 = new float[layers][rows * d];
            qkv = new float[layers][rows * 3 * d];
            att = new float[layers][attSize];
            o = new float[layers][rows * d];
            xm = new float[layers][rows * d];
            xhat2 = new float[layers][rows * d];
            inv2 = new float[layers][rows];
            a2 = new float[layers][rows * d];
            pre = new float[layers][rows * ff];
            hid = new float[layers][rows * ff];
            sig = new float[layers][rows * ff];
            xf = new float[rows * d];
            xhatf = new float[rows * d];
            invf = new float[rows];
            af = new float[rows * d];
            prob = new float[rows * vocab];
        }

        long bytes() {
            long floats = (long) cfg.layers() * (rows * (10L * d + 3L * ff + 2) + att[0].length)
                    + rows * (3L * d + 1 + vocab);
            return Float.BYTES * floats;
        }
    }

    private void forwardPass(Pass p, Layout at) {
        int[][] seqs = at.seqs();
        int rows = p.rows;
        float[] x = new float[rows * d];
        for (int i = 0; i < seqs.length; i++) {
            if (at.patchRows()[i] > 0) {
                w.embedPatches(at.patches()[i], at.patchRows()[i], 0, x, at.allStart()[i],
                        new float[at.patchRows()[i] * d]);
            }
            for (int pos = 0; pos < seqs[i].length - 1; pos++) {
                int r = at.text(i) + pos;
                int t = seqs[i][pos] * d;
                for (int j = 0; j < d; j++) {
                    x[r * d + j] = w.wte[t + j] + w.wpe[pos * d + j];
                }
            }
        }
        for (int l = 0; l < cfg.layers(); l++) {
            System.arraycopy(x, 0, p.x[l], 0, x.length);
            Kernels.layerNorm(x, rows, d, w.ln1g[l], w.ln1b[l], p.a1[l], p.xhat1[l], p.inv1[l]);
            Kernels.matmul(p.a1[l], rows, d, w.wqkv[l], 3 * d, null, p.qkv[l], false);
            for (int i = 0; i < seqs.length; i++) {
                attendForward(p, l, at.allStart()[i], at.rows(i), at.attStart()[i]);
            }
            Kernels.matmul(p.o[l], rows, d, w.wo[l], d, null, x, true);
            System.arraycopy(x, 0, p.xm[l], 0, x.length);
            Kernels.layerNorm(x, rows, d, w.ln2g[l], w.ln2b[l], p.a2[l], p.xhat2[l], p.inv2[l]);
            Kernels.matmul(p.a2[l], rows, d, w.w1[l], ff, w.b1[l], p.pre[l], false);
            Kernels.gelu(p.pre[l], p.hid[l], p.sig[l], rows * ff);
            Kernels.matmul(p.hid[l], rows, ff, w.w2[l], d, w.b2[l], x, true);
        }
        System.arraycopy(x, 0, p.xf, 0, x.length);
        Kernels.layerNorm(x, rows, d, w.lnfg, w.lnfb, p.af, p.xhatf, p.invf);
        Kernels.matmul(p.af, rows, d, w.head, vocab, null, p.prob, false);
        for (int r = 0; r < rows; r++) {
            softmaxRow(p.prob, r * vocab, vocab);
        }
    }

    /** Causal attention of sequence rows [r0, r0+n): probabilities into {@code att}, outputs into {@code o}. */
    private void attendForward(Pass p, int l, int r0, int n, int a0) {
        float[] qkv = p.qkv[l];
        float[] att = p.att[l];
        float[] o = p.o[l];
        int stride = 3 * d;
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < n; a++) {
                int row = a0 + (h * n + a) * n;
                int q = (r0 + a) * stride + h * hd;
                for (int bb = 0; bb <= a; bb++) {
                    att[row + bb] = Kernels.dot(qkv, q, qkv, (r0 + bb) * stride + d + h * hd, hd) * scale;
                }
                softmaxRow(att, row, a + 1);
                int out = (r0 + a) * d + h * hd;
                java.util.Arrays.fill(o, out, out + hd, 0f);
                for (int bb = 0; bb <= a; bb++) {
                    Kernels.axpy(att[row + bb], qkv, (r0 + bb) * stride + 2 * d + h * hd, o, out, hd);
                }
            }
        }
    }

    private Map<String, float[]> backward(Pass p, Layout at, float[][] lossGrad) {
        int[][] seqs = at.seqs();
        int rows = p.rows;
        int layers = cfg.layers();
        float[] scratch = new float[rows * Math.max(ff, 3 * d)];
        Map<String, float[]> g = new LinkedHashMap<>();
        float[] dwte = new float[vocab * d];
        float[] dwpe = new float[cfg.contextLength() * d];
        g.put("wte", dwte);
        g.put("wpe", dwpe);
        // dL/dlogit = lossGrad · (onehot(target) − p) at each position.
        float[] dlogits = new float[rows * vocab];
        for (int i = 0; i < seqs.length; i++) {
            for (int j = 0; j < seqs[i].length - 1; j++) {
                int r = at.text(i) + j;
                float lg = lossGrad[i][j];
                if (lg == 0f) {
                    continue;
                }
                int target = seqs[i][j + 1];
                for (int v = 0; v < vocab; v++) {
                    dlogits[r * vocab + v] = -lg * p.prob[r * vocab + v];
                }
                dlogits[r * vocab + target] += lg;
            }
        }
        float[] dhead = new float[d * vocab];
        Kernels.matmulTransposedAdd(p.af, rows, d, dlogits, vocab, dhead, scratch);
        float[] daf = new float[rows * d];
        Kernels.matmul(dlogits, rows, vocab, transposed(w.head, d, vocab), d, null, daf, false);
        float[] dlnfg = new float[d];
        float[] dlnfb = new float[d];
        float[] dx = new float[rows * d];
        Kernels.layerNormBackward(daf, rows, d, w.lnfg, p.xhatf, p.invf, dx, dlnfg, dlnfb);
        Map<String, float[]> perLayer = new LinkedHashMap<>();
        float[] dhid = new float[rows * ff];
        float[] da = new float[rows * d];
        float[] dqkv = new float[rows * 3 * d];
        float[] dout = new float[rows * d];
        for (int l = layers - 1; l >= 0; l--) {
            String n = "h" + l + ".";
            // MLP: x_out = xm + gelu(ln2(xm)·w1 + b1)·w2 + b2
            float[] dw2 = new float[ff * d];
            float[] db2 = new float[d];
            Kernels.matmulTransposedAdd(p.hid[l], rows, ff, dx, d, dw2, scratch);
            Kernels.columnSumsAdd(dx, rows, d, db2);
            Kernels.matmul(dx, rows, d, transposed(w.w2[l], ff, d), ff, null, dhid, false);
            Kernels.geluBackward(p.pre[l], p.sig[l], dhid, rows * ff);
            float[] dw1 = new float[d * ff];
            float[] db1 = new float[ff];
            Kernels.matmulTransposedAdd(p.a2[l], rows, d, dhid, ff, dw1, scratch);
            Kernels.columnSumsAdd(dhid, rows, ff, db1);
            Kernels.matmul(dhid, rows, ff, transposed(w.w1[l], d, ff), d, null, da, false);
            float[] dln2g = new float[d];
            float[] dln2b = new float[d];
            Kernels.layerNormBackward(da, rows, d, w.ln2g[l], p.xhat2[l], p.inv2[l], dx, dln2g, dln2b);
            // Attention: xm = x + o·wo
            float[] dwo = new float[d * d];
            Kernels.matmulTransposedAdd(p.o[l], rows, d, dx, d, dwo, scratch);
            Kernels.matmul(dx, rows, d, transposed(w.wo[l], d, d), d, null, dout, false);
            java.util.Arrays.fill(dqkv, 0f);
            for (int i = 0; i < seqs.length; i++) {
                attendBackward(p, l, at.allStart()[i], at.rows(i), at.attStart()[i], dout, dqkv);
            }
            float[] dwqkv = new float[d * 3 * d];
            Kernels.matmulTransposedAdd(p.a1[l], rows, d, dqkv, 3 * d, dwqkv, scratch);
            Kernels.matmul(dqkv, rows, 3 * d, transposed(w.wqkv[l], d, 3 * d), d, null, da, false);
            float[] dln1g = new float[d];
            float[] dln1b = new float[d];
            Kernels.layerNormBackward(da, rows, d, w.ln1g[l], p.xhat1[l], p.inv1[l], dx, dln1g, dln1b);
            perLayer.put(n + "ln1.g", dln1g);
            perLayer.put(n + "ln1.b", dln1b);
            String[] parts = {"attn.wq", "attn.wk", "attn.wv"};
            for (int part = 0; part < 3; part++) {
                float[] dw = new float[d * d];
                for (int r = 0; r < d; r++) {
                    System.arraycopy(dwqkv, r * 3 * d + part * d, dw, r * d, d);
                }
                perLayer.put(n + parts[part], dw);
            }
            perLayer.put(n + "attn.wo", dwo);
            perLayer.put(n + "ln2.g", dln2g);
            perLayer.put(n + "ln2.b", dln2b);
            perLayer.put(n + "mlp.w1", dw1);
            perLayer.put(n + "mlp.b1", db1);
            perLayer.put(n + "mlp.w2", dw2);
            perLayer.put(n + "mlp.b2", db2);
        }
        for (int i = 0; i < seqs.length; i++) {
            for (int pos = 0; pos < seqs[i].length - 1; pos++) {
                int r = at.text(i) + pos;
                Kernels.axpy(1f, dx, r * d, dwte, seqs[i][pos] * d, d);
                Kernels.axpy(1f, dx, r * d, dwpe, pos * d, d);
            }
        }
        g.putAll(perLayer);
        g.put("lnf.g", dlnfg);
        g.put("lnf.b", dlnfb);
        g.put("head", dhead);
        if (cfg.vision().enabled()) {
            patchGradients(at, dx, g);
        }
        return g;
    }

    /** Gradients of the vision front end: dx at each patch row reaches its projection, bias and position. */
    private void patchGradients(Layout at, float[] dx, Map<String, float[]> g) {
        var v = cfg.vision();
        int dim = v.patchDim();
        float[] dw = new float[dim * d];
        float[] db = new float[d];
        float[] dpos = new float[v.maxPatches() * d];
        for (int i = 0; i < at.seqs().length; i++) {
            int n = at.patchRows()[i];
            if (n == 0) {
                continue;
            }
            int r0 = at.allStart()[i];
            float[] rowsDx = java.util.Arrays.copyOfRange(dx, r0 * d, (r0 + n) * d);
            Kernels.matmulTransposedAdd(at.patches()[i], n, dim, rowsDx, d, dw, new float[dim * n]);
            Kernels.columnSumsAdd(rowsDx, n, d, db);
            for (int p = 0; p < n; p++) {
                Kernels.axpy(1f, rowsDx, p * d, dpos, p * d, d);
            }
        }
        g.put(Params.VIS_W, dw);
        g.put(Params.VIS_B, db);
        g.put(Params.VIS_POS, dpos);
    }

    /** Gradients of one sequence's attention into {@code dqkv} (query, key and value thirds), given {@code dout}. */
    private void attendBackward(Pass p, int l, int r0, int n, int a0, float[] dout, float[] dqkv) {
        float[] qkv = p.qkv[l];
        float[] att = p.att[l];
        int stride = 3 * d;
        float[] dp = new float[n];
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < n; a++) {
                int row = a0 + (h * n + a) * n;
                int dO = (r0 + a) * d + h * hd;
                float dot = 0;
                for (int bb = 0; bb <= a; bb++) {
                    int v = (r0 + bb) * stride + 2 * d + h * hd;
                    float s = Kernels.dot(dout, dO, qkv, v, hd);
                    dp[bb] = s;
                    dot += s * att[row + bb];
                    // dV[b] += P[a][b] · dO[a]
                    Kernels.axpy(att[row + bb], dout, dO, dqkv, v, hd);
                }
                int q = (r0 + a) * stride + h * hd;
                for (int bb = 0; bb <= a; bb++) {
                    float ds = att[row + bb] * (dp[bb] - dot) * scale;
                    int k = (r0 + bb) * stride + d + h * hd;
                    Kernels.axpy(ds, qkv, k, dqkv, q, hd);
                    Kernels.axpy(ds, qkv, q, dqkv, k, hd);
                }
            }
        }
    }

    private static float[] transposed(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        Kernels.transpose(m, rows, cols, t);
        return t;
    }

    private static void softmaxRow(float[] s, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, s[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(s[off + i] - max);
            s[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            s[off + i] *= inv;
        }
    }

    /** Wraps a gradient as an ND4J array shaped like parameter {@code name} of {@code params}. */
    public static org.nd4j.linalg.api.ndarray.INDArray toArray(Params params, String name, float[] grad) {
        var shape = params.get(name).shape();
        return Nd4j.create(grad, shape, 'c').castTo(params.get(name).dataType());
    }
}
