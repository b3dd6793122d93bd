package dev.tributary.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matmul of {@link Kernels} with the JDK's Vector API: a block of 8 (512-bit vectors) or 6 (256-bit) rows ×
 * 2 vectors of the output stays in registers while the shared dimension streams past, so each weight load feeds
 * eight or six fused multiply-adds (the plain axpy loop loads and stores the output row for every one); 4-row
 * blocks and single rows take what is left. Every output element sums the same products in the same order
 * whatever block computes it, so the results do not depend on the block size. Loaded only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int PANEL_FLOATS = 64 * 1024;
    /** AVX-512's 32 vector registers hold an 8-row block (16 accumulators); AVX2's 16 hold a 6-row one. */
    private static final boolean BIG = S.vectorBitSize() >= 512;

    private VectorKernels() {
    }

    /** {@code out[r] += in[r] · w} for rows 0..rows-1 (in: rows×k, w: k×n, out: rows×n, all row-major). */
    static void matmulAdd(float[] in, int rows, int k, float[] w, int n, float[] out) {
        matmulAdd(in, k, 1, rows, k, w, n, out);
    }

    /**
     * As {@link #matmulAdd(float[], int, int, float[], int, float[])} with input element (row i, step s) at
     * {@code in[i·rs + s·ks]}: {@code rs = k, ks = 1} is the input itself; {@code rs = 1, ks = rows} reads a row-major
     * matrix of {@code rows} columns transposed (a weight gradient {@code aᵀ·b} without copying {@code a}).
     */
    static void matmulAdd(float[] in, int rs, int ks, int rows, int k, float[] w, int n, float[] out) {
        // Column panels of w small enough for L2 (~256 KiB), each reused by every block of rows.
        int panel = Math.max(2 * L, (PANEL_FLOATS / Math.max(1, k)) / (2 * L) * (2 * L));
        for (int j0 = 0; j0 < n; j0 += panel) {
            int j1 = Math.min(n, j0 + panel);
            int r = 0;
            for (; BIG && r + 8 <= rows; r += 8) {
                int j = j0;
                for (; j + 2 * L <= j1; j += 2 * L) {
                    block8x2(in, rs, ks, r, k, w, n, out, j);
                }
                for (; j + L <= j1; j += L) {
                    for (int i = r; i < r + 8; i++) {
                        row1x1(in, rs, ks, i, k, w, n, out, j);
                    }
                }
                scalarColumns(in, rs, ks, r, r + 8, k, w, n, out, j, j1);
            }
            for (; r + 6 <= rows; r += 6) {
                int j = j0;
                for (; j + 2 * L <= j1; j += 2 * L) {
                    block6x2(in, rs, ks, r, k, w, n, out, j);
                }
                for (; j + L <= j1; j += L) {
                    for (int i = r; i < r + 6; i++) {
                        row1x1(in, rs, ks, i, k, w, n, out, j);
                    }
                }
                scalarColumns(in, rs, ks, r, r + 6, k, w, n, out, j, j1);
            }
            for (; r + 4 <= rows; r += 4) {
                int j = j0;
                for (; j + 2 * L <= j1; j += 2 * L) {
                    block4x2(in, rs, ks, r, k, w, n, out, j);
                }
                for (; j + L <= j1; j += L) {
                    for (int i = r; i < r + 4; i++) {
                        row1x1(in, rs, ks, i, k, w, n, out, j);
                    }
                }
                scalarColumns(in, rs, ks, r, r + 4, k, w, n, out, j, j1);
            }
            for (; r < rows; r++) {
                int j = j0;
                for (; j + 2 * L <= j1; j += 2 * L) {
                    row1x2(in, rs, ks, r, k, w, n, out, j);
                }
                for (; j + L <= j1; j += L) {
                    row1x1(in, rs, ks, r, k, w, n, out, j);
                }
                scalarColumns(in, rs, ks, r, r + 1, k, w, n, out, j, j1);
            }
        }
    }

    /**
     * A 6-row × 2-vector block: twelve accumulators, the two weight vectors and one broadcast at a time fit the 16
     * vector registers of AVX2 (and leave half of AVX-512's free), and each pair of weight loads feeds twelve fused
     * multiply-adds instead of the 4-row block's eight.
     */
    /** An 8-row × 2-vector block, for 512-bit vectors: sixteen fused multiply-adds per pair of weight loads. */
    private static void block8x2(float[] in, int rs, int ks, int r, int k, float[] w, int n, float[] out, int j) {
        int o0 = r * n + j;
        int o1 = o0 + n;
        int o2 = o1 + n;
        int o3 = o2 + n;
        int o4 = o3 + n;
        int o5 = o4 + n;
        int o6 = o5 + n;
        int o7 = o6 + n;
        FloatVector c00 = FloatVector.fromArray(S, out, o0);
        FloatVector c01 = FloatVector.fromArray(S, out, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, out, o1);
        FloatVector c11 = FloatVector.fromArray(S, out, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, out, o2);
        FloatVector c21 = FloatVector.fromArray(S, out, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, out, o3);
        FloatVector c31 = FloatVector.fromArray(S, out, o3 + L);
        FloatVector c40 = FloatVector.fromArray(S, out, o4);
        FloatVector c41 = FloatVector.fromArray(S, out, o4 + L);
        FloatVector c50 = FloatVector.fromArray(S, out, o5);
        FloatVector c51 = FloatVector.fromArray(S, out, o5 + L);
        FloatVector c60 = FloatVector.fromArray(S, out, o6);
        FloatVector c61 = FloatVector.fromArray(S, out, o6 + L);
        FloatVector c70 = FloatVector.fromArray(S, out, o7);
        FloatVector c71 = FloatVector.fromArray(S, out, o7 + L);
        int i0 = r * rs;
        for (int kk = 0; kk < k; kk++) {
            int wo = kk * n + j;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
            int at = i0 + kk * ks;
            FloatVector a;
            a = FloatVector.broadcast(S, in[at + 0 * rs]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(S, in[at + 1 * rs]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
            a = FloatVector.broadcast(S, in[at + 2 * rs]);
            c20 = a.fma(w0, c20);
            c21 = a.fma(w1, c21);
            a = FloatVector.broadcast(S, in[at + 3 * rs]);
            c30 = a.fma(w0, c30);
            c31 = a.fma(w1, c31);
            a = FloatVector.broadcast(S, in[at + 4 * rs]);
            c40 = a.fma(w0, c40);
            c41 = a.fma(w1, c41);
            a = FloatVector.broadcast(S, in[at + 5 * rs]);
            c50 = a.fma(w0, c50);
            c51 = a.fma(w1, c51);
            a = FloatVector.broadcast(S, in[at + 6 * rs]);
            c60 = a.fma(w0, c60);
            c61 = a.fma(w1, c61);
            a = FloatVector.broadcast(S, in[at + 7 * rs]);
            c70 = a.fma(w0, c70);
            c71 = a.fma(w1, c71);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + L);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + L);
        c60.intoArray(out, o6);
        c61.intoArray(out, o6 + L);
        c70.intoArray(out, o7);
        c71.intoArray(out, o7 + L);
    }

    private static void block6x2(float[] in, int rs, int ks, int r, int k, float[] w, int n, float[] out, int j) {
        int o0 = r * n + j;
        int o1 = o0 + n;
        int o2 = o1 + n;
        int o3 = o2 + n;
        int o4 = o3 + n;
        int o5 = o4 + n;
        FloatVector c00 = FloatVector.fromArray(S, out, o0);
        FloatVector c01 = FloatVector.fromArray(S, out, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, out, o1);
        FloatVector c11 = FloatVector.fromArray(S, out, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, out, o2);
        FloatVector c21 = FloatVector.fromArray(S, out, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, out, o3);
        FloatVector c31 = FloatVector.fromArray(S, out, o3 + L);
        FloatVector c40 = FloatVector.fromArray(S, out, o4);
        FloatVector c41 = FloatVector.fromArray(S, out, o4 + L);
        FloatVector c50 = FloatVector.fromArray(S, out, o5);
        FloatVector c51 = FloatVector.fromArray(S, out, o5 + L);
        int i0 = r * rs;
        for (int kk = 0; kk < k; kk++) {
            int wo = kk * n + j;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
            int at = i0 + kk * ks;
            FloatVector a = FloatVector.broadcast(S, in[at]);
            c00 = a.fma(w0, c00);
            c01 = a.fma(w1, c01);
            a = FloatVector.broadcast(S, in[at + rs]);
            c10 = a.fma(w0, c10);
            c11 = a.fma(w1, c11);
            a = FloatVector.broadcast(S, in[at + 2 * rs]);
            c20 = a.fma(w0, c20);
            c21 = a.fma(w1, c21);
            a = FloatVector.broadcast(S, in[at + 3 * rs]);
            c30 = a.fma(w0, c30);
            c31 = a.fma(w1, c31);
            a = FloatVector.broadcast(S, in[at + 4 * rs]);
            c40 = a.fma(w0, c40);
            c41 = a.fma(w1, c41);
            a = FloatVector.broadcast(S, in[at + 5 * rs]);
            c50 = a.fma(w0, c50);
            c51 = a.fma(w1, c51);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + L);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + L);
    }

    private static void block4x2(float[] in, int rs, int ks, int r, int k, float[] w, int n, float[] out, int j) {
        int o0 = r * n + j;
        int o1 = o0 + n;
        int o2 = o1 + n;
        int o3 = o2 + n;
        FloatVector c00 = FloatVector.fromArray(S, out, o0);
        FloatVector c01 = FloatVector.fromArray(S, out, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, out, o1);
        FloatVector c11 = FloatVector.fromArray(S, out, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, out, o2);
        FloatVector c21 = FloatVector.fromArray(S, out, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, out, o3);
        FloatVector c31 = FloatVector.fromArray(S, out, o3 + L);
        int i0 = r * rs;
        for (int kk = 0; kk < k; kk++) {
            int wo = kk * n + j;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
            int at = i0 + kk * ks;
            FloatVector a0 = FloatVector.broadcast(S, in[at]);
            FloatVector a1 = FloatVector.broadcast(S, in[at + rs]);
            FloatVector a2 = FloatVector.broadcast(S, in[at + 2 * rs]);
            FloatVector a3 = FloatVector.broadcast(S, in[at + 3 * rs]);
            c00 = a0.fma(w0, c00);
            c01 = a0.fma(w1, c01);
            c10 = a1.fma(w0, c10);
            c11 = a1.fma(w1, c11);
            c20 = a2.fma(w0, c20);
            c21 = a2.fma(w1, c21);
            c30 = a3.fma(w0, c30);
            c31 = a3.fma(w1, c31);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + L);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + L);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + L);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + L);
    }

    private static void row1x2(float[] in, int rs, int ks, int r, int k, float[] w, int n, float[] out, int j) {
        int o = r * n + j;
        FloatVector c0 = FloatVector.fromArray(S, out, o);
        FloatVector c1 = FloatVector.fromArray(S, out, o + L);
        int i0 = r * rs;
        for (int kk = 0; kk < k; kk++) {
            FloatVector a = FloatVector.broadcast(S, in[i0 + kk * ks]);
            c0 = a.fma(FloatVector.fromArray(S, w, kk * n + j), c0);
            c1 = a.fma(FloatVector.fromArray(S, w, kk * n + j + L), c1);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + L);
    }

    private static void row1x1(float[] in, int rs, int ks, int r, int k, float[] w, int n, float[] out, int j) {
        int o = r * n + j;
        FloatVector c = FloatVector.fromArray(S, out, o);
        int i0 = r * rs;
        for (int kk = 0; kk < k; kk++) {
            c = FloatVector.broadcast(S, in[i0 + kk * ks]).fma(FloatVector.fromArray(S, w, kk * n + j), c);
        }
        c.intoArray(out, o);
    }

    /** {@code y[yOff + j] += a · x[xOff + j]} for j in [0, n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int j = 0;
        FloatVector av = FloatVector.broadcast(S, a);
        for (; j + L <= n; j += L) {
            av.fma(FloatVector.fromArray(S, x, xOff + j), FloatVector.fromArray(S, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] = Math.fma(a, x[xOff + j], y[yOff + j]);
        }
    }

    /** {@code Σ_j a[aOff + j] · b[bOff + j]} for j in [0, n). */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int j = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; j + L <= n; j += L) {
            acc = FloatVector.fromArray(S, a, aOff + j).fma(FloatVector.fromArray(S, b, bOff + j), acc);
        }
        float s = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; j < n; j++) {
            s = Math.fma(a[aOff + j], b[bOff + j], s);
        }
        return s;
    }

    private static void scalarColumns(float[] in, int rs, int ks, int r0, int r1, int k, float[] w, int n, float[] out,
                                      int j0, int j1) {
        for (int r = r0; r < r1; r++) {
            for (int j = j0; j < j1; j++) {
                float acc = out[r * n + j];
                for (int kk = 0; kk < k; kk++) {
                    acc = Math.fma(in[r * rs + kk * ks], w[kk * n + j], acc);
                }
                out[r * n + j] = acc;
            }
        }
    }
}
