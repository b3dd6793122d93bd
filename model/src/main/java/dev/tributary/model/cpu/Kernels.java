package dev.tributary.model.cpu;

/**
 * The loops of the Java engine backend and trainer over row-major float arrays. Every inner loop runs along a contiguous row with
 * independent iterations (an axpy), the shape HotSpot's C2 compiles to SIMD instructions; no loop allocates. The
 * matmul, most of a step, runs on {@link VectorKernels} where the JVM has the Vector API module.
 */
public final class Kernels {
    /** Rows of the weight matrix kept hot in L1 while every input row passes over them. */
    private static final int K_BLOCK = 32;
    /** Whether the JVM was started with {@code --add-modules jdk.incubator.vector} (then {@link VectorKernels} runs). */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("tributary.engine.no-vector-api");

    private Kernels() {
    }

    /**
     * {@code out[r] (=|+=) in[r] · w (+ bias)} for rows {@code 0..rows-1}: {@code in} is rows×k, {@code w} is k×n,
     * {@code out} is rows×n; {@code bias} (length n) may be null. With {@code accumulate} the product is added to
     * what {@code out} holds (a residual connection).
     */
    public static void matmul(float[] in, int rows, int k, float[] w, int n, float[] bias, float[] out, boolean accumulate) {
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
    public static void plainMatmulAdd(float[] in, int rows, int k, float[] w, int n, float[] out) {
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int k1 = Math.min(k, k0 + K_BLOCK);
            for (int r = 0; r < rows; r++) {
                int o = r * n;
                int i = r * k;
                for (int kk = k0; kk < k1; kk++) {
                    plainAxpy(in[i + kk], w, kk * n, out, o, n);
                }
            }
        }
    }

    /** {@code y[yOff + j] += a · x[xOff + j]} for j in [0, n). */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        if (VECTOR_API) {
            VectorKernels.axpy(a, x, xOff, y, yOff, n);
            return;
        }
        plainAxpy(a, x, xOff, y, yOff, n);
    }

    /** {@code Σ_j a[aOff + j] · b[bOff + j]} for j in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (VECTOR_API) {
            return VectorKernels.dot(a, aOff, b, bOff, n);
        }
        float s = 0;
        for (int j = 0; j < n; j++) {
            s += a[aOff + j] * b[bOff + j];
        }
        return s;
    }

    static void plainAxpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

    /**
     * Layer norm of each d-wide row of {@code x} into {@code out}: (x − mean) / σ · g + b with the biased σ and no
     * epsilon, as libnd4j's layer_norm computes it (a constant row gives b).
     */
    public static void layerNorm(float[] x, int rows, int d, float[] g, float[] b, float[] out) {
        layerNorm(x, rows, d, g, b, out, null, null);
    }

    /** {@code dst[c][r] = src[r][c]} for a rows×cols {@code src}. */
    public static void transpose(float[] src, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
    }

    /**
     * {@code out[k×n] += a^T · b} for a rows×k {@code a} and a rows×n {@code b}; {@code scratch} holds k·rows (used
     * only without the Vector API, which reads {@code a} transposed in place).
     */
    public static void matmulTransposedAdd(float[] a, int rows, int k, float[] b, int n, float[] out, float[] scratch) {
        if (VECTOR_API) {
            VectorKernels.matmulAdd(a, 1, k, k, rows, b, n, out);
            return;
        }
        transpose(a, rows, k, scratch);
        plainMatmulAdd(scratch, k, rows, b, n, out);
    }

    /** {@code out[c] += Σ_r x[r][c]} over the n-wide rows 0..rows-1 (a bias gradient). */
    public static void columnSumsAdd(float[] x, int rows, int n, float[] out) {
        for (int r = 0; r < rows; r++) {
            axpy(1f, x, r * n, out, 0, n);
        }
    }

    /**
     * {@link #layerNorm} that also keeps, per row, the normalised values {@code xhat} and the inverse deviation
     * {@code invStd} that {@link #layerNormBackward} needs (both null: inference, nothing kept). One pass of the
     * row statistics serves both outputs.
     */
    public static void layerNorm(float[] x, int rows, int d, float[] g, float[] b, float[] out, float[] xhat,
                                 float[] invStd) {
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
            // Training keeps what the backward pass needs; inference passes null and skips it.
            if (xhat != null) {
                invStd[r] = inv;
                for (int j = 0; j < d; j++) {
                    xhat[o + j] = (float) ((x[o + j] - mean) * inv);
                }
            }
        }
    }

    /**
     * Gradient of {@code y = xhat · g + b} through the normalisation: adds to {@code dx}, {@code dg} and {@code db}
     * given {@code dy}. dx = invStd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)) with dxhat = dy · g.
     */
    public static void layerNormBackward(float[] dy, int rows, int d, float[] g, float[] xhat, float[] invStd,
                                         float[] dx, float[] dg, float[] db) {
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double m1 = 0;
            double m2 = 0;
            for (int j = 0; j < d; j++) {
                float dxh = dy[o + j] * g[j];
                m1 += dxh;
                m2 += dxh * xhat[o + j];
                dg[j] += dy[o + j] * xhat[o + j];
                db[j] += dy[o + j];
            }
            float mean1 = (float) (m1 / d);
            float mean2 = (float) (m2 / d);
            float inv = invStd[r];
            for (int j = 0; j < d; j++) {
                dx[o + j] += inv * (dy[o + j] * g[j] - mean1 - xhat[o + j] * mean2);
            }
        }
    }

    /** {@code out[i] = gelu(pre[i])} over [0, n), keeping each sigmoid(1.702 x) in {@code sig} for the backward pass. */
    public static void gelu(float[] pre, float[] out, float[] sig, int n) {
        for (int i = 0; i < n; i++) {
            float s = (float) (1.0 / (1.0 + Math.exp(-1.702 * pre[i])));
            sig[i] = s;
            out[i] = pre[i] * s;
        }
    }

    /** {@code d[i] *= gelu'(pre[i])} over [0, n), from the sigmoids {@link #gelu(float[], float[], float[], int)} kept. */
    public static void geluBackward(float[] pre, float[] sig, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            float s = sig[i];
            d[i] *= s + 1.702f * pre[i] * s * (1 - s);
        }
    }

    /** In place: x · sigmoid(1.702 x), the GELU approximation of libnd4j's gelu op that the policy graph uses. */
    public static void gelu(float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            x[i] = (float) (v / (1.0 + Math.exp(-1.702 * v)));
        }
    }

    /** In place over {@code z[0, n)}: z − log Σ exp z. */
    public static void logSoftmaxInPlace(double[] z, int n) {
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
    public static void softmaxInPlace(float[] s, int n) {
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
