package dev.tributary.model.engine;

import dev.tributary.model.cpu.Kernels;

import dev.tributary.model.policy.Attention;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LayerNorm;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Decoding in ND4J ops over the policy's own parameter arrays (an optimizer step is seen without a copy). Every
 * step computes every slot over the whole context, busy or not: few, large ops suit a GPU; on a CPU the small
 * model is bound by each op's fixed cost, where {@link JavaBackend} is faster.
 */
final class Nd4jBackend implements DecodeBackend {
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0).policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE).build();
    private final Params params;
    private final PolicyConfig cfg;
    private final int slots;
    private final INDArray[] keyCache;
    private final INDArray[] valueCache;
    private final String workspaceId = "tributary-engine-" + System.identityHashCode(this);
    private final String prefillWorkspaceId = workspaceId + "-prefill";
    /** Cache positions per slot: its patch rows come first, then its text positions. */
    private final int ctx;
    /** Per slot: patch rows before its text (0 for a text prompt). */
    private final int[] slotPatches;

    Nd4jBackend(Params params, int slots) {
        this.params = params;
        this.cfg = params.config();
        this.slots = slots;
        this.ctx = cfg.contextLength() + cfg.vision().maxPatches();
        this.slotPatches = new int[slots];
        this.keyCache = new INDArray[cfg.layers()];
        this.valueCache = new INDArray[cfg.layers()];
    }

    @Override
    public void begin() {
        if (keyCache[0] != null) {
            return;
        }
        for (int l = 0; l < cfg.layers(); l++) {
            // Rows are ((slot·heads + head)·context + position): one scatter writes every slot's new keys, and the
            // cache reshapes to [slot, head, position, headDim] without a copy.
            keyCache[l] = Nd4j.zeros(cfg.dataType(), (long) slots * cfg.heads() * ctx, cfg.headDim());
            valueCache[l] = Nd4j.zeros(cfg.dataType(), (long) slots * cfg.heads() * ctx, cfg.headDim());
        }
    }

    @Override
    public void weightsChanged() {
        // The steps read the parameter arrays themselves.
    }

    @Override
    public void release() {
        for (int l = 0; l < cfg.layers(); l++) {
            if (keyCache[l] != null) {
                keyCache[l].close();
                valueCache[l].close();
            }
            keyCache[l] = null;
            valueCache[l] = null;
        }
        Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(workspaceId));
        Nd4j.getWorkspaceManager().destroyWorkspace(
                Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(prefillWorkspaceId));
    }

    @Override
    public boolean holdsMemory() {
        return keyCache[0] != null;
    }

    @Override
    public long cacheBytes() {
        return 2L * cfg.layers() * slots * ctx * cfg.dModel() * cfg.dataType().width();
    }

    @Override
    public void step(int[] tokens, int[] positions, boolean[] busy, boolean[] needsLogits, double[][] out) {
        // Every intermediate of a step lives in a workspace reused across steps: no native allocation per op.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, workspaceId)) {
            stepInWorkspace(tokens, positions, needsLogits, out);
        }
    }

    private void stepInWorkspace(int[] tokens, int[] positions, boolean[] needsLogits, double[][] out) {
        int d = cfg.dModel();
        int h = cfg.heads();
        int hd = cfg.headDim();
        int[] cacheRows = new int[slots * h];
        float[] maskValues = new float[slots * ctx];
        java.util.Arrays.fill(maskValues, (float) Attention.MASKED);
        for (int s = 0; s < slots; s++) {
            for (int head = 0; head < h; head++) {
                cacheRows[s * h + head] = (s * h + head) * ctx + slotPatches[s] + positions[s];
            }
            java.util.Arrays.fill(maskValues, s * ctx, s * ctx + slotPatches[s] + positions[s] + 1, 0f);
        }
        INDArray mask = Nd4j.create(maskValues, new long[] {slots, 1, 1, ctx}, 'c').castTo(cfg.dataType());
        INDArray rows = Nd4j.createFromArray(cacheRows);
        INDArray x = params.get("wte").getRows(tokens).addi(params.get("wpe").getRows(positions));
        double scale = 1.0 / Math.sqrt(hd);
        for (int l = 0; l < cfg.layers(); l++) {
            String p = "h" + l + ".";
            INDArray a = layerNorm(x, p + "ln1");
            INDArray q = a.mmul(params.get(p + "attn.wq"));
            INDArray k = a.mmul(params.get(p + "attn.wk"));
            INDArray v = a.mmul(params.get(p + "attn.wv"));
            scatterRows(keyCache[l], rows, k.reshape((long) slots * h, hd));
            scatterRows(valueCache[l], rows, v.reshape((long) slots * h, hd));
            INDArray keys = keyCache[l].reshape(slots, h, ctx, hd);
            INDArray values = valueCache[l].reshape(slots, h, ctx, hd);
            // One query per slot: broadcast-multiply and reduce instead of slots·heads tiny GEMMs.
            INDArray q4 = q.reshape(slots, h, 1, hd);
            INDArray scores = keys.mul(q4).sum(3).muli(scale).reshape(slots, h, 1, ctx).addi(mask);
            INDArray att = Nd4j.exec(new SoftMax(scores, scores.ulike(), -1))[0];
            INDArray o = values.mul(att.reshape(slots, h, ctx, 1)).sum(2).reshape(slots, d);
            finishBlock(x, o, p);
        }
        INDArray logits = layerNorm(x, "lnf").mmul(params.get("head"));
        boolean isDouble = logits.dataType() == DataType.DOUBLE;
        float[][] lf = isDouble ? null : logits.toFloatMatrix();
        for (int s = 0; s < slots; s++) {
            if (needsLogits[s]) {
                if (isDouble) {
                    double[] row = logits.getRow(s).toDoubleVector();
                    System.arraycopy(row, 0, out[s], 0, row.length);
                } else {
                    for (int i = 0; i < lf[s].length; i++) {
                        out[s][i] = lf[s][i];
                    }
                }
                Kernels.logSoftmaxInPlace(out[s], cfg.vocabSize());
            }
        }
    }

    @Override
    public void startSlot(int s, float[] patches, int count) {
        slotPatches[s] = count;
        if (count == 0) {
            return;
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, prefillWorkspaceId)) {
            var vis = cfg.vision();
            INDArray in = Nd4j.create(patches, new long[] {count, vis.patchDim()}, 'c').castTo(cfg.dataType());
            INDArray x = in.mmul(params.get(Params.VIS_W)).addiRowVector(params.get(Params.VIS_B))
                    .addi(params.get(Params.VIS_POS).get(NDArrayIndex.interval(0, count), NDArrayIndex.all()));
            prefillRows(s, x, count, 0);
        }
    }

    @Override
    public void prefill(int s, int[] tokens, int n) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, prefillWorkspaceId)) {
            int[] prefix = java.util.Arrays.copyOf(tokens, n);
            int[] positions = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
            }
            INDArray x = params.get("wte").getRows(prefix).addi(params.get("wpe").getRows(positions));
            prefillRows(s, x, n, slotPatches[s]);
        }
    }

    /**
     * Runs the embedded rows {@code x} ([n, d]) of slot {@code s} at cache positions {@code off..off+n-1} through
     * every block: their keys and values go into the cache, and each row attends to the cache up to itself (the
     * slot's patches included when text follows them).
     */
    private void prefillRows(int s, INDArray x, int n, int off) {
        int d = cfg.dModel();
        int h = cfg.heads();
        int hd = cfg.headDim();
        int seen = off + n;
        int[] cacheRows = new int[h * n];
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < n; i++) {
                cacheRows[head * n + i] = (s * h + head) * ctx + off + i;
            }
        }
        INDArray rows = Nd4j.createFromArray(cacheRows);
        float[] causal = new float[n * seen];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(causal, i * seen + off + i + 1, (i + 1) * seen, (float) Attention.MASKED);
        }
        INDArray mask = Nd4j.create(causal, new long[] {n, seen}, 'c').castTo(cfg.dataType());
        double scale = 1.0 / Math.sqrt(hd);
        for (int l = 0; l < cfg.layers(); l++) {
            String p = "h" + l + ".";
            INDArray a = layerNorm(x, p + "ln1");
            INDArray q = a.mmul(params.get(p + "attn.wq"));
            INDArray k = a.mmul(params.get(p + "attn.wk"));
            INDArray v = a.mmul(params.get(p + "attn.wv"));
            // [n, d] -> [heads, n, headDim] rows, in the cache's (slot·heads + head)·context + position order.
            INDArray kh = k.reshape(n, h, hd).permute(1, 0, 2).dup('c');
            INDArray vh = v.reshape(n, h, hd).permute(1, 0, 2).dup('c');
            scatterRows(keyCache[l], rows, kh.reshape((long) h * n, hd));
            scatterRows(valueCache[l], rows, vh.reshape((long) h * n, hd));
            INDArray keys = keyCache[l].reshape(slots, h, ctx, hd);
            INDArray values = valueCache[l].reshape(slots, h, ctx, hd);
            INDArray qh = q.reshape(n, h, hd).permute(1, 0, 2).dup('c');
            INDArray o = Nd4j.create(cfg.dataType(), n, d);
            for (int head = 0; head < h; head++) {
                INDArray kAll = off == 0 ? kh.slice(head) : keys.get(NDArrayIndex.point(s), NDArrayIndex.point(head),
                        NDArrayIndex.interval(0, seen), NDArrayIndex.all());
                INDArray vAll = off == 0 ? vh.slice(head) : values.get(NDArrayIndex.point(s), NDArrayIndex.point(head),
                        NDArrayIndex.interval(0, seen), NDArrayIndex.all());
                INDArray scores = qh.slice(head).mmul(kAll.transpose()).muli(scale).addi(mask);
                INDArray att = Nd4j.exec(new SoftMax(scores, scores.ulike(), -1))[0];
                o.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hd, (head + 1) * hd)).assign(att.mmul(vAll));
            }
            finishBlock(x, o, p);
        }
    }

    /**
     * The rest of block {@code p} after attention, in place on the residual stream {@code x}: the output
     * projection of the attended values {@code o}, then the pre-LayerNorm GELU MLP. Decode steps and prefill share it.
     */
    private void finishBlock(INDArray x, INDArray o, String p) {
        x.addi(o.mmul(params.get(p + "attn.wo")));
        INDArray m = layerNorm(x, p + "ln2");
        INDArray hid = m.mmul(params.get(p + "mlp.w1")).addiRowVector(params.get(p + "mlp.b1"));
        Nd4j.getExecutioner().exec(new GELU(hid, hid));
        x.addi(hid.mmul(params.get(p + "mlp.w2")).addiRowVector(params.get(p + "mlp.b2")));
    }

    /** In place: {@code target[rows[i]] = updates[i]} (libnd4j scatter_upd; one op for every slot). */
    private static void scatterRows(INDArray target, INDArray rows, INDArray updates) {
        Nd4j.exec(DynamicCustomOp.builder("scatter_upd").addInputs(target, rows, updates).addOutputs(target).build());
    }

    private INDArray layerNorm(INDArray x, String name) {
        return Nd4j.exec(new LayerNorm(x, params.get(name + ".g"), params.get(name + ".b"), x.ulike(), false,
                Attention.FEATURE_AXIS))[0];
    }
}
