package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Each op against a straightforward double implementation; odd lengths exercise the scalar tails. */
class OpsTest {
    static final int[] SIZES = {1, 7, 64, 100, 2051};

    static float[] rnd(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (KernelChecks.gaussian(r) * scale);
        }
        return x;
    }

    static void close(float[] got, int off, double[] want, double rel) {
        for (int i = 0; i < want.length; i++) {
            assertThat((double) got[off + i]).as("index %d", i).isCloseTo(want[i], within(rel * (1 + Math.abs(want[i]))));
        }
    }

    @Test
    void dotAxpyAdd() {
        for (int n : SIZES) {
            float[] a = rnd(n + 3, n, 1), b = rnd(n + 5, n + 1, 1);
            double want = 0, mag = 0;
            for (int i = 0; i < n; i++) {
                want += (double) a[3 + i] * b[5 + i];
                mag += Math.abs((double) a[3 + i] * b[5 + i]);
            }
            assertThat((double) Ops.dot(a, 3, b, 5, n)).isCloseTo(want, within(1e-6 * mag + 1e-9));
            // The caller's scratch (with stale contents) gives the same bits as the thread's own.
            float[] scratch = new float[Ops.DOT_SCRATCH];
            java.util.Arrays.fill(scratch, 7f);
            assertThat(Ops.dot(a, 3, b, 5, n, scratch)).isEqualTo(Ops.dot(a, 3, b, 5, n));

            float[] y = b.clone();
            Ops.axpy(0.75f, a, 3, y, 5, n);
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = b[5 + i] + 0.75 * a[3 + i];
            }
            close(y, 5, w, 1e-6);
            assertThat(y[0]).isEqualTo(b[0]);

            y = b.clone();
            Ops.add(y, 5, a, 3, n);
            for (int i = 0; i < n; i++) {
                w[i] = b[5 + i] + a[3 + i];
            }
            close(y, 5, w, 1e-6);
        }
    }

    @Test
    void dotScratchTooSmallIsRejected() {
        float[] a = new float[64];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Ops.dot(a, 0, a, 0, 64, new float[Ops.DOT_SCRATCH - 1]))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rmsNorm() {
        for (int n : SIZES) {
            float[] x = rnd(n + 2, n, 3), wt = rnd(n, n + 9, 1);
            float[] out = new float[n + 1];
            Ops.rmsNorm(out, 1, x, 2, wt, n, 1e-5f);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[2 + i] * x[2 + i];
            }
            double scale = 1 / Math.sqrt(ss / n + 1e-5);
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = x[2 + i] * scale * wt[i];
            }
            close(out, 1, want, 1e-5);
            // in place
            float[] xi = x.clone();
            Ops.rmsNorm(xi, 2, xi, 2, wt, n, 1e-5f);
            close(xi, 2, want, 1e-5);
        }
    }

    @Test
    void layerNorm() {
        for (int n : SIZES) {
            float[] x = rnd(n, n, 2), wt = rnd(n, n + 1, 1), bias = rnd(n, n + 2, 1);
            for (int i = 0; i < n; i++) {
                x[i] += 1.5f;
            }
            float[] out = new float[n];
            Ops.layerNorm(out, 0, x, 0, wt, bias, n, 1e-5f);
            double mean = 0;
            for (float v : x) {
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (float v : x) {
                var += (v - mean) * (v - mean);
            }
            var /= n;
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = (x[i] - mean) / Math.sqrt(var + 1e-5) * wt[i] + bias[i];
            }
            close(out, 0, want, 1e-5);
        }
    }

    static float[] invFreq(int dims, double base) {
        float[] f = new float[dims / 2];
        for (int i = 0; i < dims / 2; i++) {
            f[i] = (float) Math.pow(base, -2.0 * i / dims);
        }
        return f;
    }

    @Test
    void rope() {
        int head = 64, ropeDims = 32;
        float[] inv = invFreq(ropeDims, 10000);
        for (int pos : new int[] {0, 1, 17, 500}) {
            float[] v = rnd(head + 4, pos, 1);
            double[] adj = new double[head], neox = new double[head];
            for (int i = 0; i < head; i++) {
                adj[i] = v[4 + i];
                neox[i] = v[4 + i];
            }
            for (int i = 0; i < ropeDims / 2; i++) {
                double th = (double) pos * inv[i];
                double c = Math.cos(th), s = Math.sin(th);
                adj[2 * i] = v[4 + 2 * i] * c - v[4 + 2 * i + 1] * s;
                adj[2 * i + 1] = v[4 + 2 * i] * s + v[4 + 2 * i + 1] * c;
                neox[i] = v[4 + i] * c - v[4 + i + ropeDims / 2] * s;
                neox[i + ropeDims / 2] = v[4 + i] * s + v[4 + i + ropeDims / 2] * c;
            }
            float[] a = v.clone();
            Ops.ropeAdjacent(a, 4, ropeDims, pos, inv);
            close(a, 4, adj, 1e-4);
            float[] b = v.clone();
            Ops.ropeNeox(b, 4, ropeDims, pos, inv);
            close(b, 4, neox, 1e-4);

            float[] cos = new float[ropeDims / 2], sin = new float[ropeDims / 2];
            Ops.ropeTable(ropeDims, pos, inv, cos, sin);
            float[] a2 = v.clone();
            Ops.ropeAdjacent(a2, 4, ropeDims, cos, sin);
            assertThat(a2).containsExactly(a);
            float[] b2 = v.clone();
            Ops.ropeNeox(b2, 4, ropeDims, cos, sin);
            assertThat(b2).containsExactly(b);
        }
    }

    @Test
    void softmax() {
        for (int n : SIZES) {
            float[] x = rnd(n + 1, n, 4);
            x[1] = 80;   // large values must not overflow
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 1; i <= n; i++) {
                max = Math.max(max, x[i]);
            }
            double sum = 0;
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = Math.exp(x[1 + i] - max);
                sum += want[i];
            }
            for (int i = 0; i < n; i++) {
                want[i] /= sum;
            }
            Ops.softmax(x, 1, n);
            close(x, 1, want, 1e-6);
        }
    }

    @Test
    void siluMulAndGelu() {
        for (int n : SIZES) {
            float[] g = rnd(n, n, 3), u = rnd(n, n + 1, 1);
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                want[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            float[] gg = g.clone();
            Ops.siluMul(gg, u, n);
            close(gg, 0, want, 1e-5);

            float[] x = rnd(n + 2, n + 3, 3);
            double[] wg = new double[n];
            for (int i = 0; i < n; i++) {
                double v = x[2 + i];
                wg[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            }
            float[] xg = x.clone();
            Ops.gelu(xg, 2, n);
            close(xg, 2, wg, 1e-5);
            float[] xh = x.clone();
            Ops.geluGgml(xh, 2, n);
            close(xh, 2, wg, 2e-3);   // F16 in and out
        }
    }
}
