package dev.tributary.model.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KernelsTest {
    @Test
    void bothMatmuls_equalTheTextbookProduct_onShapesThatLeaveTails() {
        SplittableRandom rng = new SplittableRandom(5);
        // Row counts that take every block size (8 and 6 rows, 4, single rows) and leave column tails.
        int[][] shapes = {{1, 3, 5}, {7, 5, 37}, {4, 64, 192}, {9, 33, 64}, {5, 256, 23}, {6, 700, 101},
            {23, 17, 70}, {14, 9, 48}, {12, 31, 33}};
        for (int[] sh : shapes) {
            int rows = sh[0];
            int k = sh[1];
            int n = sh[2];
            float[] in = random(rng, rows * k);
            float[] w = random(rng, k * n);
            float[] start = random(rng, rows * n);
            float[] expected = start.clone();
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int kk = 0; kk < k; kk++) {
                        acc += (double) in[r * k + kk] * w[kk * n + j];
                    }
                    expected[r * n + j] += (float) acc;
                }
            }
            float[] plain = start.clone();
            Kernels.plainMatmulAdd(in, rows, k, w, n, plain);
            assertArrayEquals(expected, plain, 1e-4f, "plain loops at " + rows + "×" + k + "×" + n);
            float[] vector = start.clone();
            VectorKernels.matmulAdd(in, rows, k, w, n, vector);
            assertArrayEquals(expected, vector, 1e-4f, "Vector API at " + rows + "×" + k + "×" + n);
            // inᵀ is k×rows: (inᵀ)ᵀ · w computed from inᵀ read transposed must give the same product.
            float[] inT = new float[k * rows];
            Kernels.transpose(in, rows, k, inT);
            float[] viaT = start.clone();
            Kernels.matmulTransposedAdd(inT, k, rows, w, n, viaT, new float[rows * k]);
            assertArrayEquals(expected, viaT, 1e-4f, "transposed read at " + rows + "×" + k + "×" + n);
            float[] plainT = start.clone();
            Kernels.transpose(inT, k, rows, in);
            Kernels.plainMatmulAdd(in, rows, k, w, n, plainT);
            assertArrayEquals(expected, plainT, 1e-4f);
            assertEquals(dotOf(in, w, k), Kernels.dot(in, 0, w, 0, k), 1e-4f);
        }
        assertTrue(Kernels.VECTOR_API, "the tests run with --add-modules jdk.incubator.vector (surefire argLine)");
    }

    @Test
    void layerNorm_ofAConstantRow_isTheBias() {
        float[] out = new float[3];
        Kernels.layerNorm(new float[] {2, 2, 2}, 1, 3, new float[] {1, 1, 1}, new float[] {0.5f, -1, 0}, out);
        assertArrayEquals(new float[] {0.5f, -1, 0}, out);
    }

    private static float dotOf(float[] a, float[] b, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-1, 1);
        }
        return a;
    }
}
