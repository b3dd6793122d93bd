package dev.tributary.model.engine;

import dev.tributary.model.cpu.Kernels;
import dev.tributary.model.cpu.Weights;

import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;

/**
 * Decoding in plain Java over a float copy of the weights ({@link Weights}, refreshed at every generate call).
 * A step computes only the busy slots, each attending over its own positions; a prefix pass is the same forward
 * pass over the prefix's positions. Each row's arithmetic is independent of the other rows in its batch, so a
 * request gives bit-identical results whatever runs beside it and however its prefix was fed. Scratch memory is
 * sized once, for max(slots, context) rows: no step allocates. A request with images has its patch rows written into
 * its slot's cache first ({@link #startSlot}); its text positions follow them in the cache.
 */
final class JavaBackend implements DecodeBackend {
    private final Params params;
    private final PolicyConfig cfg;
    private final int slots;
    private final int d;
    private final int ctx;
    private final int heads;
    private final int hd;
    private final int vocab;
    private final float scale;
    private Weights w;
    /** Per layer: keys as [slot][head][headDim][position] (a query's scores are axpys along positions). */
    private float[][] keys;
    /** Per layer: values as [slot][head][position][headDim]. */
    private float[][] values;
    private int[] rowSlot;
    private int[] rowPos;
    private int[] rowToken;
    /** Per row: its place in the slot's cache (the slot's patch rows come first, then its text positions). */
    private int[] rowCache;
    /** Per slot: patch rows before its text (0 for a text prompt). */
    private final int[] slotPatches;
    private float[] patchTmp;
    private float[] x;
    private float[] a;
    private float[] qkv;
    private float[] o;
    private float[] hid;
    private float[] logits;
    private float[] scores;

    JavaBackend(Params params, int slots) {
        this.params = params;
        this.cfg = params.config();
        this.slots = slots;
        this.d = cfg.dModel();
        // The cache holds a slot's patch rows before its text positions.
        this.ctx = cfg.contextLength() + cfg.vision().maxPatches();
        this.slotPatches = new int[slots];
        this.heads = cfg.heads();
        this.hd = cfg.headDim();
        this.vocab = cfg.vocabSize();
        this.scale = (float) (1.0 / Math.sqrt(hd));
        if ((long) slots * d * ctx > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a Java engine of " + slots + " slots × d-model " + d + " × context "
                    + ctx + " needs a KV cache array of more than 2^31 floats per layer; use fewer slots or the nd4j backend");
        }
    }

    @Override
    public void begin() {
        if (keys == null) {
            int rows = Math.max(slots, ctx);
            w = new Weights(cfg);
            keys = new float[cfg.layers()][slots * d * ctx];
            values = new float[cfg.layers()][slots * d * ctx];
            rowSlot = new int[rows];
            rowPos = new int[rows];
            rowToken = new int[rows];
            rowCache = new int[rows];
            patchTmp = new float[cfg.vision().maxPatches() * d];
            x = new float[rows * d];
            a = new float[rows * d];
            qkv = new float[rows * 3 * d];
            o = new float[rows * d];
            hid = new float[rows * cfg.ffHidden()];
            logits = new float[slots * vocab];
            scores = new float[ctx];
        }
        w.refresh(params);
    }

    @Override
    public void weightsChanged() {
        w.refresh(params);
    }

    @Override
    public void release() {
        w = null;
        keys = null;
        values = null;
        x = a = qkv = o = hid = logits = scores = null;
        rowSlot = rowPos = rowToken = rowCache = null;
        patchTmp = null;
    }

    @Override
    public boolean holdsMemory() {
        return keys != null;
    }

    @Override
    public long cacheBytes() {
        return 2L * cfg.layers() * slots * ctx * d * Float.BYTES;
    }

    @Override
    public void startSlot(int slot, float[] patches, int count) {
        slotPatches[slot] = count;
        if (count == 0) {
            return;
        }
        w.embedPatches(patches, count, 0, x, 0, patchTmp);
        for (int i = 0; i < count; i++) {
            rowSlot[i] = slot;
            rowCache[i] = i;
        }
        forward(count, false);
    }

    @Override
    public void prefill(int slot, int[] tokens, int n) {
        for (int i = 0; i < n; i++) {
            rowSlot[i] = slot;
            rowPos[i] = i;
            rowToken[i] = tokens[i];
            rowCache[i] = slotPatches[slot] + i;
        }
        forward(n, true);
    }

    @Override
    public void step(int[] tokens, int[] positions, boolean[] busy, boolean[] needsLogits, double[][] out) {
        int n = 0;
        for (int s = 0; s < slots; s++) {
            if (busy[s]) {
                rowSlot[n] = s;
                rowPos[n] = positions[s];
                rowToken[n] = tokens[s];
                rowCache[n] = slotPatches[s] + positions[s];
                n++;
            }
        }
        if (n == 0) {
            return;
        }
        forward(n, true);
        Kernels.layerNorm(x, n, d, w.lnfg, w.lnfb, a);
        Kernels.matmul(a, n, d, w.head, vocab, null, logits, false);
        for (int r = 0; r < n; r++) {
            int s = rowSlot[r];
            if (needsLogits[s]) {
                double[] row = out[s];
                for (int i = 0; i < vocab; i++) {
                    row[i] = logits[r * vocab + i];
                }
                Kernels.logSoftmaxInPlace(row, vocab);
            }
        }
    }

    /**
     * Runs rows {@code 0..n-1} (slot, cache position, and with {@code embedTokens} the token and its text position;
     * otherwise {@code x} holds the rows' embeddings already) through every block, writing their keys and values.
     */
    private void forward(int n, boolean embedTokens) {
        for (int r = 0; embedTokens && r < n; r++) {
            int t = rowToken[r] * d;
            int p = rowPos[r] * d;
            for (int j = 0; j < d; j++) {
                x[r * d + j] = w.wte[t + j] + w.wpe[p + j];
            }
        }
        int f = cfg.ffHidden();
        for (int l = 0; l < cfg.layers(); l++) {
            Kernels.layerNorm(x, n, d, w.ln1g[l], w.ln1b[l], a);
            Kernels.matmul(a, n, d, w.wqkv[l], 3 * d, null, qkv, false);
            writeCache(l, n);
            for (int r = 0; r < n; r++) {
                attend(l, r);
            }
            Kernels.matmul(o, n, d, w.wo[l], d, null, x, true);
            Kernels.layerNorm(x, n, d, w.ln2g[l], w.ln2b[l], a);
            Kernels.matmul(a, n, d, w.w1[l], f, w.b1[l], hid, false);
            Kernels.gelu(hid, 0, n * f);
            Kernels.matmul(hid, n, f, w.w2[l], d, w.b2[l], x, true);
        }
    }

    private void writeCache(int l, int n) {
        float[] k = keys[l];
        float[] v = values[l];
        for (int r = 0; r < n; r++) {
            int s = rowSlot[r];
            int p = rowCache[r];
            int src = r * 3 * d;
            for (int h = 0; h < heads; h++) {
                int kBase = s * d * ctx + h * hd * ctx + p;
                int vBase = s * d * ctx + (h * ctx + p) * hd;
                for (int e = 0; e < hd; e++) {
                    k[kBase + e * ctx] = qkv[src + d + h * hd + e];
                }
                System.arraycopy(qkv, src + 2 * d + h * hd, v, vBase, hd);
            }
        }
    }

    /** Causal attention of row r's query over positions 0..p of its slot, every head, into {@code o[r]}. */
    private void attend(int l, int r) {
        float[] k = keys[l];
        float[] v = values[l];
        int s = rowSlot[r];
        int len = rowCache[r] + 1;
        int q = r * 3 * d;
        for (int h = 0; h < heads; h++) {
            java.util.Arrays.fill(scores, 0, len, 0f);
            int kBase = s * d * ctx + h * hd * ctx;
            for (int e = 0; e < hd; e++) {
                Kernels.axpy(qkv[q + h * hd + e] * scale, k, kBase + e * ctx, scores, 0, len);
            }
            Kernels.softmaxInPlace(scores, len);
            int out = r * d + h * hd;
            java.util.Arrays.fill(o, out, out + hd, 0f);
            int vBase = s * d * ctx + h * ctx * hd;
            for (int t = 0; t < len; t++) {
                Kernels.axpy(scores[t], v, vBase + t * hd, o, out, hd);
            }
        }
    }
}
