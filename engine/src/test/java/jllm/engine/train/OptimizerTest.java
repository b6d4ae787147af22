package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW against a double-precision reference, clipping, frozen parameters, and the schedule. */
class OptimizerTest {
    @Test
    void adamWMatchesReferenceAndSkipsDecayOnVectors() {
        Parameter w = new Parameter("w", new long[] {2, 2}, new float[] {0.5f, -1f, 2f, 0.25f});
        Parameter b = new Parameter("b", new long[] {2}, new float[] {1f, -2f});
        AdamW opt = new AdamW(List.of(w, b), 0.9f, 0.99f, 1e-8f, 0.1f);
        double[] rw = {0.5, -1, 2, 0.25}, rb = {1, -2};
        double[] mw = new double[4], vw = new double[4], mb = new double[2], vb = new double[2];
        float[][] grads = {{0.1f, -0.2f, 0.3f, 0f, 0.5f, -0.5f}, {-0.3f, 0.1f, 0.2f, 0.4f, 0.05f, 0f}};
        for (int t = 1; t <= 2; t++) {
            float[] g = grads[t - 1];
            System.arraycopy(g, 0, w.grad(), 0, 4);
            System.arraycopy(g, 4, b.grad(), 0, 2);
            float lr = 0.01f * t;
            opt.step(lr);
            ref(rw, mw, vw, g, 0, t, lr, 0.1);
            ref(rb, mb, vb, g, 4, t, lr, 0);
        }
        for (int i = 0; i < 4; i++) {
            assertThat((double) w.values()[i]).isCloseTo(rw[i], offset(1e-6));
        }
        for (int i = 0; i < 2; i++) {
            assertThat((double) b.values()[i]).isCloseTo(rb[i], offset(1e-6));
        }
        assertThat(w.decays()).isTrue();
        assertThat(b.decays()).isFalse();
    }

    private static void ref(double[] p, double[] m, double[] v, float[] g, int off, int t, double lr, double wd) {
        for (int i = 0; i < p.length; i++) {
            double gi = g[off + i];
            m[i] = 0.9 * m[i] + 0.1 * gi;
            v[i] = 0.99 * v[i] + 0.01 * gi * gi;
            double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.99, t));
            p[i] = p[i] * (1 - lr * wd) - lr * mh / (Math.sqrt(vh) + 1e-8);
        }
    }

    @Test
    void clippingScalesToTheGlobalNormAndFrozenParametersStay() {
        Parameter a = new Parameter("a", new long[] {2}, new float[] {1, 1});
        Parameter f = new Parameter("f", new long[] {1}, new float[] {3});
        a.grad()[0] = 3;
        a.grad()[1] = 4;
        f.setFrozen(true);
        AdamW opt = AdamW.of(List.of(a, f), 0.1f);
        assertThat(opt.clip(1f)).isCloseTo(5.0, offset(1e-9));
        assertThat(opt.gradientNorm()).isCloseTo(1.0, offset(1e-5));
        assertThat(opt.clip(0f)).isCloseTo(1.0, offset(1e-5));
        opt.step(0.1f);
        assertThat(f.values()[0]).isEqualTo(3f);
        assertThat(a.values()[0]).isLessThan(1f);
    }

    @Test
    void warmupThenCosineToMinimum() {
        LrSchedule s = new LrSchedule(1e-3f, 1e-4f, 10, 110);
        assertThat(s.at(0)).isCloseTo(1e-3f / 11, offset(1e-9f));
        assertThat(s.at(9)).isCloseTo(1e-3f * 10 / 11, offset(1e-9f));
        assertThat(s.at(10)).isCloseTo(1e-3f, offset(1e-9f));
        assertThat(s.at(60)).isCloseTo(5.5e-4f, offset(1e-8f));
        assertThat(s.at(110)).isEqualTo(1e-4f);
        assertThat(s.at(500)).isEqualTo(1e-4f);
        for (int i = 11; i < 110; i++) {
            assertThat(s.at(i)).isLessThanOrEqualTo(s.at(i - 1));
        }
    }
}
