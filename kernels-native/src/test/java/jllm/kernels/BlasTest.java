package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import jllm.formats.GgmlType;

class BlasTest {

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Test
    void openBlasLoadsFromTheBundledJar() {
        Optional<Blas> b = Blas.load();
        assertThat(b).as(Blas.loadFailure()).isPresent();
    }

    @Test
    void sgemmMatchesDoubleReferenceInAllTransposes() {
        Blas blas = Blas.load().orElse(null);
        assumeTrue(blas != null, "OpenBLAS not loadable");
        int m = 37, n = 53, k = 129;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(m * k, 1), b = random(k * n, 2), c = random(m * n, 3);
                float[] c0 = c.clone();
                blas.sgemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2f, c, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0, mag = 0;
                        for (int l = 0; l < k; l++) {
                            double av = ta ? a[l * m + i] : a[i * k + l];
                            double bv = tb ? b[j * k + l] : b[l * n + j];
                            s += av * bv;
                            mag += Math.abs(av * bv);
                        }
                        double want = 0.5 * s + 2 * c0[i * n + j];
                        assertThat((double) c[i * n + j]).as(ta + " " + tb + " " + i + "," + j)
                                .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * (mag + Math.abs(2 * c0[i * n + j])) + 1e-6));
                    }
                }
            }
        }
    }

    @Test
    void blasAndVectorBackendsAgreeOnF32MatMul() {
        assumeTrue(Blas.load().isPresent(), "OpenBLAS not loadable");
        int rows = 96, cols = 512, batch = 40;
        Matrix w = KernelChecks.randomMatrix(GgmlType.F32, rows, cols, 4);
        float[] x = random(batch * cols, 5);
        float[] yv = new float[batch * rows], yb = new float[batch * rows], ya = new float[batch * rows];
        try (Parallel p = new Parallel(2)) {
            new MatMul(p, MatMul.Backend.VECTOR).matMul(w, x, batch, yv);
            MatMul blas = new MatMul(p, MatMul.Backend.BLAS);
            assertThat(blas.usesBlas()).isTrue();
            blas.matMul(w, x, batch, yb);
            new MatMul(p, MatMul.Backend.AUTO).matMul(w, x, batch, ya);
        }
        double norm = 0;
        for (float v : yv) {
            norm = Math.max(norm, Math.abs(v));
        }
        for (int i = 0; i < yv.length; i++) {
            assertThat((double) yb[i]).as("blas " + i).isCloseTo(yv[i], org.assertj.core.data.Offset.offset(1e-4 * norm));
            assertThat((double) ya[i]).as("auto " + i).isCloseTo(yv[i], org.assertj.core.data.Offset.offset(1e-4 * norm));
        }
    }

    /** Quantized/F16 weights through BLAS (dequantized tiles x float activations) against a double reference. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizedBlasMatchesFloatReference(GgmlType t) {
        assumeTrue(Blas.load().isPresent(), "OpenBLAS not loadable");
        int rows = 70, cols = 512, batch = MatMul.blasDequantBatch(t, false) + 3;
        Matrix w = KernelChecks.randomMatrix(t, rows, cols, 8);
        float[] x = random(batch * cols, 9);
        float[] yb = new float[batch * rows], yv = new float[batch * rows];
        try (Parallel p = new Parallel(2)) {
            new MatMul(p, MatMul.Backend.BLAS).matMul(w, x, batch, yb);
            new MatMul(p, MatMul.Backend.VECTOR).matMul(w, x, batch, yv);
        }
        float[] wf = new float[cols];
        for (int r = 0; r < rows; r++) {
            jllm.formats.quant.QuantCodecs.dequantize(t, w.data(), r * w.rowBytes(), wf, 0, cols);
            for (int b = 0; b < batch; b++) {
                double s = 0, mag = 0;
                for (int j = 0; j < cols; j++) {
                    s += (double) wf[j] * x[b * cols + j];
                    mag += Math.abs((double) wf[j] * x[b * cols + j]);
                }
                assertThat((double) yb[b * rows + r]).as(t + " blas row " + r + " batch " + b)
                        .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4 * mag + 1e-6));
                // The vector path quantizes the activation to 8 bits (as llama.cpp's CPU path): looser.
                assertThat((double) yv[b * rows + r]).as(t + " vector row " + r + " batch " + b)
                        .isCloseTo(s, org.assertj.core.data.Offset.offset(2e-2 * mag + 1e-6));
            }
        }
    }

    @Test
    void backendParsing() {
        assertThat(MatMul.Backend.parse("Auto")).isEqualTo(MatMul.Backend.AUTO);
        assertThat(MatMul.Backend.parse("blas")).isEqualTo(MatMul.Backend.BLAS);
        assertThatThrownBy(() -> MatMul.Backend.parse("cuda")).hasMessageContaining("auto, vector or blas");
    }
}
