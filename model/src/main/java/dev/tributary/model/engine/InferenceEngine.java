package dev.tributary.model.engine;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Require;
import dev.tributary.model.policy.Attention;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.token.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
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
 * Incremental decoding in plain ND4J over the policy's own parameter arrays, with a KV cache per slot and
 * continuous batching: every step advances all busy slots by one token, and a slot that finishes is refilled
 * from the queue at once. A new request's prefix, but for its last token, is prefilled in one pass (all its
 * positions at once, causal attention within it) straight into the slot's cache; its last token then joins the
 * batched decode step, whose output is the first sampled token. A resumed request (prompt plus earlier segments)
 * therefore pays one pass for its history, not one step per token.
 *
 * <p>Not thread-safe: one engine belongs to one rollout worker.
 */
public final class InferenceEngine {
    private final Params params;
    private final PolicyConfig cfg;
    private final int slots;
    private final INDArray[] keyCache;
    private final INDArray[] valueCache;
    private final String workspaceId = "tributary-engine-" + System.identityHashCode(this);
    private final String prefillWorkspaceId = workspaceId + "-prefill";
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0).policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE).build();
    private long tokensGenerated;
    private long stepsRun;
    private long prefillsRun;

    public InferenceEngine(Params params, int slots) {
        this.params = params;
        this.cfg = params.config();
        this.slots = Require.positive(slots, "engine slots");
        this.keyCache = new INDArray[cfg.layers()];
        this.valueCache = new INDArray[cfg.layers()];
    }

    /** Allocates the KV cache if it was released (or never allocated). */
    private void ensureCache() {
        if (keyCache[0] != null) {
            return;
        }
        for (int l = 0; l < cfg.layers(); l++) {
            // Rows are ((slot·heads + head)·context + position): one scatter writes every slot's new keys, and the
            // cache reshapes to [slot, head, position, headDim] without a copy.
            keyCache[l] = Nd4j.zeros(cfg.dataType(), (long) slots * cfg.heads() * cfg.contextLength(), cfg.headDim());
            valueCache[l] = Nd4j.zeros(cfg.dataType(), (long) slots * cfg.heads() * cfg.contextLength(), cfg.headDim());
        }
    }

    /**
     * Frees the KV cache and the step workspace: the engine's working memory, given back when the device is
     * handed to the trainer. The next generate call allocates them again.
     */
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

    /** True while the KV cache is allocated. */
    public boolean holdsMemory() {
        return keyCache[0] != null;
    }

    public int slots() {
        return slots;
    }

    public PolicyConfig config() {
        return cfg;
    }

    public Params params() {
        return params;
    }

    /** Bytes held by the KV cache (what the engine releases when it hands the device back). */
    public long cacheBytes() {
        return 2L * cfg.layers() * slots * cfg.contextLength() * cfg.dModel() * cfg.dataType().width();
    }

    public long tokensGenerated() {
        return tokensGenerated;
    }

    /** Batched decode steps run so far (each advances every busy slot by one token). */
    public long stepsRun() {
        return stepsRun;
    }

    /** Prefix passes run so far (one per request whose prefix is longer than its last token). */
    public long prefillsRun() {
        return prefillsRun;
    }

    /** Generates for every request; results are in request order. */
    public List<Generation> generate(List<GenerationRequest> requests) {
        Generation[] out = new Generation[requests.size()];
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            if (index.put(requests.get(i).id(), i) != null) {
                throw new IllegalArgumentException("duplicate request id '" + requests.get(i).id() + "' in one generate call");
            }
        }
        generate(requests, g -> out[index.get(g.id())] = g);
        return List.of(out);
    }

    /** Generates for every request, handing each result to {@code onDone} as soon as its slot finishes. */
    public void generate(List<GenerationRequest> requests, Consumer<Generation> onDone) {
        ensureCache();
        Deque<GenerationRequest> queue = new ArrayDeque<>(requests);
        Slot[] active = new Slot[slots];
        int busy = 0;
        while (!queue.isEmpty() || busy > 0) {
            for (int s = 0; s < slots && !queue.isEmpty(); s++) {
                if (active[s] == null) {
                    GenerationRequest r = queue.poll();
                    if (r.prefixLength() >= cfg.contextLength()) {
                        onDone.accept(new Generation(r.id(), new int[0], new float[0], FinishReason.MAX_CONTEXT));
                        continue;
                    }
                    checkTokens(r);
                    active[s] = new Slot(r);
                    if (r.prefixLength() > 1) {
                        prefill(s, r);
                        active[s].prefilled(r.prefixLength() - 1);
                    }
                    busy++;
                }
            }
            if (busy == 0) {
                continue;
            }
            double[][] logProbs = step(active);
            for (int s = 0; s < slots; s++) {
                Slot slot = active[s];
                if (slot != null && slot.advance(logProbs[s])) {
                    onDone.accept(slot.result());
                    active[s] = null;
                    busy--;
                }
            }
        }
    }

    private void checkTokens(GenerationRequest r) {
        for (int i = 0; i < r.prefixLength(); i++) {
            int t = r.prefixToken(i);
            if (t < 0 || t >= cfg.vocabSize()) {
                throw new IllegalArgumentException("request " + r.id() + ": token " + t + " at position " + i
                        + " is outside the vocabulary [0, " + cfg.vocabSize() + ")");
            }
        }
    }

    /** One decoding step for all slots; returns log-softmax rows for the busy ones (null rows for idle). */
    private double[][] step(Slot[] active) {
        // Every intermediate of a step lives in a workspace reused across steps: no native allocation per op.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, workspaceId)) {
            return stepInWorkspace(active);
        }
    }

    private double[][] stepInWorkspace(Slot[] active) {
        int d = cfg.dModel();
        int ctx = cfg.contextLength();
        int h = cfg.heads();
        int hd = cfg.headDim();
        int[] tokens = new int[slots];
        int[] positions = new int[slots];
        int[] cacheRows = new int[slots * h];
        float[] maskValues = new float[slots * ctx];
        java.util.Arrays.fill(maskValues, (float) Attention.MASKED);
        for (int s = 0; s < slots; s++) {
            Slot slot = active[s];
            tokens[s] = slot == null ? Tokenizer.PAD : slot.nextInput();
            positions[s] = slot == null ? 0 : slot.position();
            for (int head = 0; head < h; head++) {
                cacheRows[s * h + head] = (s * h + head) * ctx + positions[s];
            }
            java.util.Arrays.fill(maskValues, s * ctx, s * ctx + positions[s] + 1, 0f);
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
        float[][] lf = logits.castTo(DataType.FLOAT).toFloatMatrix();
        stepsRun++;
        double[][] out = new double[slots][];
        for (int s = 0; s < slots; s++) {
            if (active[s] != null && active[s].needsLogits()) {
                out[s] = logSoftmax(logits.dataType() == DataType.DOUBLE ? logits.getRow(s).toDoubleVector() : toDouble(lf[s]));
            }
        }
        return out;
    }

    /** Writes the keys and values of {@code r}'s prefix but its last token into slot {@code s}'s cache. */
    private void prefill(int s, GenerationRequest r) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, prefillWorkspaceId)) {
            prefillInWorkspace(s, r);
        }
        prefillsRun++;
    }

    private void prefillInWorkspace(int s, GenerationRequest r) {
        int n = r.prefixLength() - 1;
        int d = cfg.dModel();
        int ctx = cfg.contextLength();
        int h = cfg.heads();
        int hd = cfg.headDim();
        int[] tokens = new int[n];
        int[] positions = new int[n];
        int[] cacheRows = new int[h * n];
        for (int i = 0; i < n; i++) {
            tokens[i] = r.prefixToken(i);
            positions[i] = i;
        }
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < n; i++) {
                cacheRows[head * n + i] = (s * h + head) * ctx + i;
            }
        }
        INDArray rows = Nd4j.createFromArray(cacheRows);
        float[] causal = new float[n * n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(causal, i * n + i + 1, (i + 1) * n, (float) Attention.MASKED);
        }
        INDArray mask = Nd4j.create(causal, new long[] {n, n}, 'c').castTo(cfg.dataType());
        INDArray x = params.get("wte").getRows(tokens).addi(params.get("wpe").getRows(positions));
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
            INDArray qh = q.reshape(n, h, hd).permute(1, 0, 2).dup('c');
            INDArray o = Nd4j.create(cfg.dataType(), n, d);
            for (int head = 0; head < h; head++) {
                INDArray scores = qh.slice(head).mmul(kh.slice(head).transpose()).muli(scale).addi(mask);
                INDArray att = Nd4j.exec(new SoftMax(scores, scores.ulike(), -1))[0];
                o.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hd, (head + 1) * hd))
                        .assign(att.mmul(vh.slice(head)));
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

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static double[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] - lse;
        }
        return out;
    }

    /** Counter-based uniform draw in [0, 1): depends only on the request seed and the sequence position. */
    static double uniform(long seed, int position) {
        long z = seed + 0x9E3779B97F4A7C15L * (position + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    /** One request's progress: feeds its prefix, then its own samples, and decides when to stop. */
    private final class Slot {
        private final GenerationRequest request;
        private final int[] sequence;
        private final float[] logProbs;
        private int fed;
        private int length;
        private FinishReason finish;

        Slot(GenerationRequest r) {
            this.request = r;
            int capacity = Math.min(cfg.contextLength(), r.prefixLength() + r.maxNewTokens());
            this.sequence = new int[capacity];
            this.logProbs = new float[capacity];
            for (int i = 0; i < r.prefixLength(); i++) {
                sequence[i] = r.prefixToken(i);
            }
            this.length = r.prefixLength();
        }

        int nextInput() {
            return sequence[fed];
        }

        /** The first {@code n} prefix tokens are in the cache already. */
        void prefilled(int n) {
            fed = n;
        }

        int position() {
            return fed;
        }

        /** The step's output is only needed once the last known token is being fed. */
        boolean needsLogits() {
            return fed == length - 1;
        }

        /** Consumes one step's output; returns true when the request is done. */
        boolean advance(double[] lp) {
            fed++;
            if (fed < length) {
                return false;
            }
            int token = request.sampling().pick(lp, uniform(request.seed(), length));
            sequence[length] = token;
            logProbs[length] = (float) lp[token];
            length++;
            tokensGenerated++;
            int generated = length - request.prefixLength();
            int responseStart = request.responseStart();
            if (token == Tokenizer.EOS) {
                finish = FinishReason.EOS;
            } else if (request.repeatNgram() > 0 && RepetitionDetector.occurrencesOfLast(
                    sequence, responseStart, length, request.repeatNgram()) >= request.repeatLimit()) {
                finish = FinishReason.REPEAT;
            } else if (length >= cfg.contextLength()) {
                finish = FinishReason.MAX_CONTEXT;
            } else if (generated >= request.maxNewTokens()) {
                finish = FinishReason.TOKEN_BUDGET;
            }
            return finish != null;
        }

        Generation result() {
            int from = request.prefixLength();
            return new Generation(request.id(), java.util.Arrays.copyOfRange(sequence, from, length),
                    java.util.Arrays.copyOfRange(logProbs, from, length), finish);
        }
    }
}
