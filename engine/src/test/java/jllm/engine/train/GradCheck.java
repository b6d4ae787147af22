package jllm.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/** Central finite differences against an analytic gradient, on float parameters. */
final class GradCheck {
    private GradCheck() {}

    static float[] random(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** {@code sum out[i] * w[i]} in double: a scalar loss whose gradient wrt out is w. */
    static double dot(float[] out, float[] w, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) out[i] * w[i];
        }
        return s;
    }

    /**
     * Checks {@code analytic[i]} against {@code (loss(x+eps) - loss(x-eps)) / 2eps} for up to
     * {@code samples} indices of x (all when fewer).
     */
    static void check(String what, float[] x, float[] analytic, DoubleSupplier loss, int samples, long seed) {
        check(what, x, analytic, loss, samples, seed, 1e-2f, 2e-2, 2e-3);
    }

    static void check(String what, float[] x, float[] analytic, DoubleSupplier loss, int samples, long seed,
                      float eps, double rtol, double atol) {
        check(what, x, analytic, loss, samples, seed, eps, rtol, atol, true);
    }

    /** @param nonZero whether to require some sampled gradient to be non-zero */
    static void check(String what, float[] x, float[] analytic, DoubleSupplier loss, int samples, long seed,
                      float eps, double rtol, double atol, boolean nonZero) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = x.length;
        boolean all = n <= samples;
        double maxAbs = 0;
        for (int s = 0; s < Math.min(n, samples); s++) {
            int i = all ? s : rng.nextInt(n);
            float orig = x[i];
            x[i] = orig + eps;
            double plus = loss.getAsDouble();
            x[i] = orig - eps;
            double minus = loss.getAsDouble();
            x[i] = orig;
            double fd = (plus - minus) / (2.0 * eps);
            double a = analytic[i];
            maxAbs = Math.max(maxAbs, Math.abs(a));
            assertThat(Math.abs(a - fd)).as("%s[%d]: analytic %s vs finite difference %s", what, i, a, fd)
                    .isLessThanOrEqualTo(atol + rtol * Math.max(Math.abs(a), Math.abs(fd)));
        }
        if (nonZero) {
            assertThat(maxAbs).as("%s: gradient must not vanish", what).isGreaterThan(1e-6);
        }
    }
}
