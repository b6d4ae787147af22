package jllm.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class FixedMathTest {
    @Test
    void sumIsTheFixedTreeOfHalves() {
        assumeTrue(Simd.ENABLED, "needs the Vector API");
        SplittableRandom r = new SplittableRandom(3);
        int n = VecKernels.FL;
        float[] a = new float[n];
        for (int rep = 0; rep < 1000; rep++) {
            for (int i = 0; i < n; i++) {
                a[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-3, 6)));
            }
            float[] t = a.clone();
            for (int half = n / 2; half >= 1; half /= 2) {   // lane i + lane i^half
                float[] u = new float[n];
                for (int i = 0; i < n; i++) {
                    u[i] = t[i] + t[i ^ half];
                }
                t = u;
            }
            assertThat(FixedMath.sum(FloatVector.fromArray(VecKernels.F, a, 0))).isEqualTo(t[0]);
        }
    }

    @Test
    void expIsWithinTwoUlpsOfMathExp() {
        assumeTrue(Simd.ENABLED, "needs the Vector API");
        int n = VecKernels.FL;
        float[] x = new float[n], y = new float[n];
        float worst = 0;
        for (float v = -87.3f; v < 88.3f; v += 0.0137f) {
            for (int i = 0; i < n; i++) {
                x[i] = v + i * 0.001f;
            }
            FixedMath.exp(FloatVector.fromArray(VecKernels.F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < n; i++) {
                float want = (float) Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - want) / Math.ulp(want));
            }
        }
        assertThat(worst).isLessThanOrEqualTo(2f);
        // the clamped ends: tiny and large, never 0, infinite or NaN
        x[0] = -200f;
        x[1] = 200f;
        x[2] = Float.NEGATIVE_INFINITY;
        FixedMath.exp(FloatVector.fromArray(VecKernels.F, x, 0)).intoArray(y, 0);
        assertThat(y[0]).isLessThan(1.2e-38f).isPositive();
        assertThat(y[1]).isGreaterThan(2e38f).isLessThan(Float.POSITIVE_INFINITY);
        assertThat(y[2]).isLessThan(1.2e-38f);
    }

    @Test
    void tanhIsCloseToMathTanh() {
        assumeTrue(Simd.ENABLED, "needs the Vector API");
        int n = VecKernels.FL;
        float[] x = new float[n], y = new float[n];
        for (float v = -12f; v < 12f; v += 0.011f) {
            for (int i = 0; i < n; i++) {
                x[i] = v + i * 0.0003f;
            }
            FixedMath.tanh(FloatVector.fromArray(VecKernels.F, x, 0)).intoArray(y, 0);
            for (int i = 0; i < n; i++) {
                assertThat((double) y[i]).as("tanh(%s)", x[i]).isCloseTo(Math.tanh(x[i]), org.assertj.core.data.Offset.offset(3e-7));
            }
        }
    }
}
