package dev.tributary.model.engine;

/**
 * The loops of {@link JavaBackend} over row-major float arrays. Every inner loop runs along a contiguous row with
 * independent iterations (an axpy), the shape HotSpot's C2 compiles to SIMD instructions; no loop allocates. The
 * matmul, most of a step, runs on {@link VectorKernels} where the JVM has the Vector API module.
 */
final class Kernels {
    /** Rows of the weight matrix kept hot in L1 while every input row passes over them. */
    private static final int K_BLOCK = 32;
    /** Whether the JVM was started with {@code --add-modules jdk.incubator.vector} (then {@link VectorKernels} runs). */
    static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("tributary.engine.no-vector-api");

    private Kernels() {
    }

    /**
     * {@code out[r] (=|+=) in[r] · w (+ bias)} for rows {@code 0..rows-1}: {@code in} is rows×k, {@code w} is k×n,
     * {@code out} is rows×n; {@code bias} (length n) may be null. With {@code accumulate} the product is added to
     * what {@code out} holds (a residual connection).
     */
    static void matmul(float[] in, int rows, int k, float[] w, int n, float[] bias, float[] out, boolean accumulate) {
        if (!accumulate) {
            for (int r = 0; r < rows; r++) {
                if (bias == null) {
                    java.util.Arrays.fill(out, r * n, r * n + n, 0f);
                } else {
                    System.arraycopy(bias, 0, out, r * n, n);
                }
            }
        } else if (bias != null) {
            for (int r = 0; r < rows; r++) {
                axpy(1f, bias, 0, out, r * n, n);
            }
        }
        if (VECTOR_API) {
            VectorKernels.matmulAdd(in, rows, k, w, n, out);
        } else {
            plainMatmulAdd(in, rows, k, w, n, out);
        }
    }

    /** {@code out += in · w} in axpy loops, blocked over k so a block of {@code w} stays in L1 for every row. */
    static void plainMatmulAdd(float[] in, int rows, int k, float[] w, int n, float[] out) {
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int k1 = Math.min(k, k0 + K_BLOCK);
            for (int r = 0; r < rows; r++) {
                int o = r * n;
                int i = r * k;
                for (int kk = k0; kk < k1; kk++) {
                    axpy(in[i + kk], w, kk * n, out, o, n);
                }
            }
        }
    }

    /** {@code y[yOff + j] += a · x[xOff + j]} for j in [0, n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

    /**
     * Layer norm of each d-wide row of {@code x} into {@code out}: (x − mean) / σ · g + b with the biased σ and no
     * epsilon, as libnd4j's layer_norm computes it (a constant row gives b).
     */
    static void layerNorm(float[] x, int rows, int d, float[] g, float[] b, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += x[o + j];
            }
            double mean = sum / d;
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double c = x[o + j] - mean;
                sq += c * c;
            }
            double sd = Math.sqrt(sq / d);
            float inv = sd > 0 ? (float) (1.0 / sd) : 0f;
            float m = (float) mean;
            for (int j = 0; j < d; j++) {
                out[o + j] = (x[o + j] - m) * inv * g[j] + b[j];
            }
        }
    }

    /** In place: x · sigmoid(1.702 x), the GELU approximation of libnd4j's gelu op that the policy graph uses. */
    static void gelu(float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            x[i] = (float) (v / (1.0 + Math.exp(-1.702 * v)));
        }
    }

    /** In place over {@code z[0, n)}: z − log Σ exp z. */
    static void logSoftmaxInPlace(double[] z, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(z[i] - max);
        }
        double lse = max + Math.log(sum);
        for (int i = 0; i < n; i++) {
            z[i] -= lse;
        }
    }

    /** In place over {@code s[0, n)}: softmax, computed in double and stored as float. */
    static void softmaxInPlace(float[] s, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, s[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(s[i] - max);
            s[i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            s[i] *= inv;
        }
    }
}
