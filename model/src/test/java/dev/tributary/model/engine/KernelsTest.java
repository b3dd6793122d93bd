package dev.tributary.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KernelsTest {
    @Test
    void bothMatmuls_equalTheTextbookProduct_onShapesThatLeaveTails() {
        SplittableRandom rng = new SplittableRandom(5);
        int[][] shapes = {{1, 3, 5}, {7, 5, 37}, {4, 64, 192}, {9, 33, 64}, {5, 256, 23}};
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
        }
        assertTrue(Kernels.VECTOR_API, "the tests run with --add-modules jdk.incubator.vector (surefire argLine)");
    }

    @Test
    void layerNorm_ofAConstantRow_isTheBias() {
        float[] out = new float[3];
        Kernels.layerNorm(new float[] {2, 2, 2}, 1, 3, new float[] {1, 1, 1}, new float[] {0.5f, -1, 0}, out);
        assertArrayEquals(new float[] {0.5f, -1, 0}, out);
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-1, 1);
        }
        return a;
    }
}
