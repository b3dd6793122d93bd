package dev.tributary.model.engine;

import dev.tributary.model.FinishReason;
import dev.tributary.model.Require;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.token.Tokenizer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Incremental decoding over the policy's parameters, with a KV cache per slot and continuous batching: every step
 * advances all busy slots by one token, and a slot that finishes is refilled from the queue at once. A new
 * request's prefix, but for its last token, is prefilled in one pass (all its positions at once, causal attention
 * within it) straight into the slot's cache; its last token then joins the batched decode step, whose output is
 * the first sampled token. A resumed request (prompt plus earlier segments) therefore pays one pass for its
 * history, not one step per token.
 *
 * <p>The arithmetic runs on an {@link EngineBackend}: plain Java loops on a CPU (work proportional to the busy
 * slots and their positions), ND4J ops on a GPU. Not thread-safe: one engine belongs to one rollout worker.
 */
public final class InferenceEngine {
    private final Params params;
    private final PolicyConfig cfg;
    private final int slots;
    private final EngineBackend backendKind;
    private final DecodeBackend backend;
    private final int[] stepTokens;
    private final int[] stepPositions;
    private final boolean[] stepBusy;
    private final boolean[] stepNeedsLogits;
    private final double[][] stepLogProbs;
    private long tokensGenerated;
    private long stepsRun;
    private long prefillsRun;
    private long swapsRun;

    /**
     * Newer weights for a generation under way (asynchronous RL's in-flight updates): asked between two decode steps,
     * never during one.
     */
    @FunctionalInterface
    public interface WeightSwap {
        /**
         * Imports newer weights into the engine's {@link #params()} and returns true, or returns false at once when
         * there are none. Must not wait for weights to arrive: the engine's slots wait meanwhile.
         */
        boolean swap();

        /**
         * Told, after each swap, the pause it caused the engine's slots: the import, and the recompute of the cache
         * when the swap recomputes it.
         */
        default void swapped(long pauseNanos) {
        }
    }

    /** What a weight swap does with the KV cache of the sequences in flight. */
    public enum KvOnSwap {
        /** Keep it: later tokens attend over keys and values of the old weights (PipelineRL). */
        KEEP,
        /** Recompute it with one prefill pass per sequence under the new weights (AReaL). */
        RECOMPUTE
    }

    /** An engine on the {@link EngineBackend#AUTO} backend: plain Java for a FLOAT model on a CPU. */
    public InferenceEngine(Params params, int slots) {
        this(params, slots, EngineBackend.AUTO);
    }

    public InferenceEngine(Params params, int slots, EngineBackend backend) {
        this.params = params;
        this.cfg = params.config();
        this.slots = Require.positive(slots, "engine slots");
        this.backendKind = java.util.Objects.requireNonNull(backend, "engine backend").resolve(cfg);
        this.backend = backendKind == EngineBackend.JAVA ? new JavaBackend(params, slots) : new Nd4jBackend(params, slots);
        this.stepTokens = new int[slots];
        this.stepPositions = new int[slots];
        this.stepBusy = new boolean[slots];
        this.stepNeedsLogits = new boolean[slots];
        this.stepLogProbs = new double[slots][cfg.vocabSize()];
    }

    /**
     * Frees the KV cache and the step memory: the engine's working memory, given back when the device is handed to
     * the trainer. The next generate call allocates them again.
     */
    public void release() {
        backend.release();
    }

    /** True while the KV cache is allocated. */
    public boolean holdsMemory() {
        return backend.holdsMemory();
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

    /** The backend this engine runs on ({@link EngineBackend#AUTO} resolved). */
    public EngineBackend backend() {
        return backendKind;
    }

    /** Bytes held by the KV cache (what the engine releases when it hands the device back). */
    public long cacheBytes() {
        return backend.cacheBytes();
    }

    public long tokensGenerated() {
        return tokensGenerated;
    }

    /** Batched decode steps run so far (each advances every busy slot by one token). */
    public long stepsRun() {
        return stepsRun;
    }

    /** Weight swaps during generation so far (each one's pause goes to {@link WeightSwap#swapped(long)}). */
    public long swapsRun() {
        return swapsRun;
    }

    /** Prefix passes run so far (one per request whose prefix is longer than its last token; recomputed caches). */
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
        generate(requests, onDone, null, KvOnSwap.KEEP);
    }

    /**
     * As {@link #generate(List, Consumer)}, asking {@code swap} (may be null) for newer weights before every decode
     * step; after a swap the sequences in flight continue under the new weights, their cache kept or recomputed as
     * {@code kv} says, and each token's {@link Generation#weights()} mark says which weights generated it.
     */
    public void generate(List<GenerationRequest> requests, Consumer<Generation> onDone, WeightSwap swap, KvOnSwap kv) {
        backend.begin();
        Deque<GenerationRequest> queue = new ArrayDeque<>(requests);
        Slot[] active = new Slot[slots];
        int busy = 0;
        int weights = 0;
        while (!queue.isEmpty() || busy > 0) {
            if (swap != null) {
                long start = System.nanoTime();
                if (swap.swap()) {
                    weights++;
                    backend.weightsChanged();
                    if (kv == KvOnSwap.RECOMPUTE) {
                        for (int s = 0; s < slots; s++) {
                            Slot slot = active[s];
                            if (slot == null) {
                                continue;
                            }
                            // The image patches' rows first, then the text positions fed so far.
                            if (cfg.vision().enabled()) {
                                backend.startSlot(s, cfg.vision().patches(slot.request.images()),
                                        cfg.vision().patchCount(slot.request.images().size()));
                            }
                            if (slot.fed > 0) {
                                backend.prefill(s, slot.sequence, slot.fed);
                            }
                            prefillsRun++;
                        }
                    }
                    long pause = System.nanoTime() - start;
                    swapsRun++;
                    swap.swapped(pause);
                }
            }
            for (int s = 0; s < slots && !queue.isEmpty(); s++) {
                if (active[s] == null) {
                    GenerationRequest r = queue.poll();
                    if (r.prefixLength() >= cfg.contextLength()) {
                        onDone.accept(new Generation(r.id(), new int[0], new float[0], FinishReason.MAX_CONTEXT));
                        continue;
                    }
                    checkTokens(r);
                    cfg.vision().check(r.images(), "request " + r.id());
                    active[s] = new Slot(r);
                    if (cfg.vision().enabled()) {
                        backend.startSlot(s, cfg.vision().patches(r.images()), cfg.vision().patchCount(r.images().size()));
                    }
                    if (r.prefixLength() > 1) {
                        backend.prefill(s, active[s].sequence, r.prefixLength() - 1);
                        prefillsRun++;
                        active[s].prefilled(r.prefixLength() - 1);
                    }
                    busy++;
                }
            }
            if (busy == 0) {
                continue;
            }
            step(active);
            for (int s = 0; s < slots; s++) {
                Slot slot = active[s];
                if (slot != null && slot.advance(stepLogProbs[s], weights)) {
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

    /** One decoding step for every busy slot; leaves log-softmax rows in {@code stepLogProbs} for them. */
    private void step(Slot[] active) {
        for (int s = 0; s < slots; s++) {
            Slot slot = active[s];
            stepBusy[s] = slot != null;
            stepTokens[s] = slot == null ? Tokenizer.PAD : slot.nextInput();
            stepPositions[s] = slot == null ? 0 : slot.position();
            stepNeedsLogits[s] = slot != null && slot.needsLogits();
        }
        backend.step(stepTokens, stepPositions, stepBusy, stepNeedsLogits, stepLogProbs);
        stepsRun++;
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
        private final int[] weightMarks;
        private int fed;
        private int length;
        private FinishReason finish;

        Slot(GenerationRequest r) {
            this.request = r;
            int capacity = Math.min(cfg.contextLength(), r.prefixLength() + r.maxNewTokens());
            this.sequence = new int[capacity];
            this.logProbs = new float[capacity];
            this.weightMarks = new int[capacity];
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

        /** Consumes one step's output, computed by weights {@code weights}; returns true when the request is done. */
        boolean advance(double[] lp, int weights) {
            fed++;
            if (fed < length) {
                return false;
            }
            int token = request.sampling().pick(lp, uniform(request.seed(), length));
            sequence[length] = token;
            logProbs[length] = (float) lp[token];
            weightMarks[length] = weights;
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
                    java.util.Arrays.copyOfRange(logProbs, from, length), finish,
                    java.util.Arrays.copyOfRange(weightMarks, from, length));
        }
    }
}
