package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import jllm.kernels.Blas;
import jllm.kernels.Parallel;
import org.junit.jupiter.api.Test;

/** The blocked product against a plain triple loop, for every layout, tails included, and thread-count independence. */
class GemmTest {
    @Test
    void matchesNaiveInAllLayouts() {
        SplittableRandom rng = new SplittableRandom(1);
        try (Parallel two = new Parallel(2); Parallel one = new Parallel(1)) {
            for (int[] s : new int[][] {{1, 1, 1}, {5, 19, 21}, {67, 130, 45}, {128, 96, 64}}) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = GradCheck.random(rng, m * k, 1), b = GradCheck.random(rng, k * n, 1);
                float[] c0 = GradCheck.random(rng, m * n, 1);
                // A row-major (m x k)
                check(two, one, c0, a, k, 1, b, m, n, k);
                // A read transposed: stored k x m
                check(two, one, c0, a, 1, m, b, m, n, k);
            }
        }
    }

    /** Products big enough for OpenBLAS: the same checks, with row chunks that straddle the thread split. */
    @Test
    void blasPathMatchesNaiveInAllLayouts() {
        Blas blas = Blas.load().orElse(null);
        assumeTrue(blas != null, "OpenBLAS cannot be loaded here");
        SplittableRandom rng = new SplittableRandom(2);
        try (Parallel two = new Parallel(2); Parallel one = new Parallel(1)) {
            int m = 150, n = 130, k = 120;
            assertThat((long) m * n * k).isGreaterThanOrEqualTo(Gemm.BLAS_MIN_WORK);
            float[] a = GradCheck.random(rng, m * k, 1), b = GradCheck.random(rng, k * n, 1);
            float[] c0 = GradCheck.random(rng, m * n, 1);
            check(two, one, blas, c0, a, k, 1, b, m, n, k);
            check(two, one, blas, c0, a, 1, m, b, m, n, k);
        }
    }

    private static void check(Parallel two, Parallel one, float[] c0, float[] a, int ars, int aks, float[] b,
                              int m, int n, int k) {
        check(two, one, null, c0, a, ars, aks, b, m, n, k);
    }

    private static void check(Parallel two, Parallel one, Blas blas, float[] c0, float[] a, int ars, int aks, float[] b,
                              int m, int n, int k) {
        for (boolean acc : new boolean[] {false, true}) {
            float[] c = c0.clone(), c1 = c0.clone();
            new Gemm(two, blas).multiply(c, n, a, ars, aks, b, n, m, n, k, acc);
            new Gemm(one, blas).multiply(c1, n, a, ars, aks, b, n, m, n, k, acc);
            assertThat(c).as("thread count must not change results").containsExactly(c1);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = acc ? c0[i * n + j] : 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) a[i * ars + p * aks] * b[p * n + j];
                    }
                    assertThat((double) c[i * n + j]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.sqrt(k))));
                }
            }
        }
    }
}
