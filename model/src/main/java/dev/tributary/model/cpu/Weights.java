package dev.tributary.model.cpu;

import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A float copy of the policy's parameters in the layout the Java engine backend and trainer read: per layer one
 * fused [d, 3d] query-key-value matrix, so a step runs one projection instead of three. Refreshed in place (no allocation) from
 * the live ND4J arrays, so an optimizer step or a weight load is seen at the next refresh.
 */
public final class Weights {
    public final float[] wte;
    public final float[] wpe;
    public final float[][] ln1g;
    public final float[][] ln1b;
    public final float[][] wqkv;
    public final float[][] wo;
    public final float[][] ln2g;
    public final float[][] ln2b;
    public final float[][] w1;
    public final float[][] b1;
    public final float[][] w2;
    public final float[][] b2;
    public final float[] lnfg;
    public final float[] lnfb;
    public final float[] head;
    /** The vision front end's projection, bias and patch positions; null for a text-only model. */
    public final float[] visW;
    public final float[] visB;
    public final float[] visPos;
    private final PolicyConfig cfg;
    private final float[] square;

    public Weights(PolicyConfig cfg) {
        this.cfg = cfg;
        this.square = new float[cfg.dModel() * cfg.dModel()];
        int d = cfg.dModel();
        int f = cfg.ffHidden();
        int layers = cfg.layers();
        wte = new float[cfg.vocabSize() * d];
        wpe = new float[cfg.contextLength() * d];
        ln1g = new float[layers][d];
        ln1b = new float[layers][d];
        wqkv = new float[layers][d * 3 * d];
        wo = new float[layers][d * d];
        ln2g = new float[layers][d];
        ln2b = new float[layers][d];
        w1 = new float[layers][d * f];
        b1 = new float[layers][f];
        w2 = new float[layers][f * d];
        b2 = new float[layers][d];
        lnfg = new float[d];
        lnfb = new float[d];
        head = new float[d * cfg.vocabSize()];
        var v = cfg.vision();
        visW = v.enabled() ? new float[v.patchDim() * d] : null;
        visB = v.enabled() ? new float[d] : null;
        visPos = v.enabled() ? new float[v.maxPatches() * d] : null;
    }

    /** Copies every parameter of {@code p} (whose shape must be this copy's) into these arrays. */
    public void refresh(Params p) {
        int d = cfg.dModel();
        copy(p.get("wte"), wte);
        copy(p.get("wpe"), wpe);
        for (int l = 0; l < cfg.layers(); l++) {
            String n = "h" + l + ".";
            copy(p.get(n + "ln1.g"), ln1g[l]);
            copy(p.get(n + "ln1.b"), ln1b[l]);
            String[] qkv = {"attn.wq", "attn.wk", "attn.wv"};
            for (int part = 0; part < 3; part++) {
                copy(p.get(n + qkv[part]), square);
                for (int r = 0; r < d; r++) {
                    System.arraycopy(square, r * d, wqkv[l], r * 3 * d + part * d, d);
                }
            }
            copy(p.get(n + "attn.wo"), wo[l]);
            copy(p.get(n + "ln2.g"), ln2g[l]);
            copy(p.get(n + "ln2.b"), ln2b[l]);
            copy(p.get(n + "mlp.w1"), w1[l]);
            copy(p.get(n + "mlp.b1"), b1[l]);
            copy(p.get(n + "mlp.w2"), w2[l]);
            copy(p.get(n + "mlp.b2"), b2[l]);
        }
        copy(p.get("lnf.g"), lnfg);
        copy(p.get("lnf.b"), lnfb);
        copy(p.get("head"), head);
        if (visW != null) {
            copy(p.get(Params.VIS_W), visW);
            copy(p.get(Params.VIS_B), visB);
            copy(p.get(Params.VIS_POS), visPos);
        }
    }

    /**
     * Writes the embeddings of {@code count} patch rows ({@code patches}: [count, patchDim]) into {@code x} from row
     * {@code xRow}: patch · visW + visB + visPos[first + p]. {@code tmp} holds count · d floats.
     */
    public void embedPatches(float[] patches, int count, int first, float[] x, int xRow, float[] tmp) {
        int d = cfg.dModel();
        Kernels.matmul(patches, count, cfg.vision().patchDim(), visW, d, visB, tmp, false);
        for (int p = 0; p < count; p++) {
            int pos = (first + p) * d;
            int out = (xRow + p) * d;
            for (int j = 0; j < d; j++) {
                x[out + j] = tmp[p * d + j] + visPos[pos + j];
            }
        }
    }

    private static void copy(INDArray a, float[] dst) {
        if (a.length() != dst.length) {
            throw new IllegalStateException("parameter of " + a.length() + " values does not fit the engine's copy of "
                    + dst.length + "; the engine was built for another model shape");
        }
        if (a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == 'c') {
            FloatBuffer b = a.data().asNioFloat();
            b.position((int) a.offset());
            b.get(dst, 0, dst.length);
        } else {
            float[] v = a.dup('c').castTo(DataType.FLOAT).toFloatVector();
            System.arraycopy(v, 0, dst, 0, dst.length);
        }
    }
}
