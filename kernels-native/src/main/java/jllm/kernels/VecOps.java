package jllm.kernels;

import static jllm.kernels.VecKernels.F;
import static jllm.kernels.VecKernels.FL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Vector API bodies of {@link Ops}; only loaded when {@link Simd#ENABLED}. Ranges are checked by Ops. */
final class VecOps {
    private VecOps() {}

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * FL; i += 2 * FL) {
            a0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), a0);
            a1 = FloatVector.fromArray(F, a, aOff + i + FL).fma(FloatVector.fromArray(F, b, bOff + i + FL), a1);
        }
        for (; i <= n - FL; i += FL) {
            a0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), a0);
        }
        float s = FixedMath.sum(a0.add(a1));
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** Sum of float squares, accumulated in double per vector. */
    static double sumSquares(float[] x, int off, int n) {
        double sum = 0;
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            sum += FixedMath.sum(v.mul(v));
        }
        for (; i < n; i++) {
            float v = x[off + i];
            sum += v * v;
        }
        return sum;
    }

    static void scaleMul(float[] out, int outOff, float[] x, int xOff, float scale, float[] weight, float[] bias, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i).mul(scale);
            if (weight != null) {
                v = v.mul(FloatVector.fromArray(F, weight, i));
            }
            if (bias != null) {
                v = v.add(FloatVector.fromArray(F, bias, i));
            }
            v.intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i] * scale;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            out[outOff + i] = v;
        }
    }

    static void softmax(float[] x, int off, int n) {
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i <= n - FL; i += FL) {
            vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector e = FixedMath.exp(FloatVector.fromArray(F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sum += FixedMath.sum(e);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, (float) (1.0 / sum));
    }

    static void siluMul(float[] gate, float[] up, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector s = g.div(FixedMath.exp(g.neg()).add(1.0f));
            s.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
        }
    }

    static void gelu(float[] x, int off, int n) {
        int i = 0;
        for (; i <= n - FL; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector inner = v.mul(Ops.SQRT_2_OVER_PI).mul(v.mul(Ops.GELU_COEF_A).mul(v).add(1.0f));
            v.mul(0.5f).mul(FixedMath.tanh(inner).add(1.0f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = Ops.geluScalar(x[off + i]);
        }
    }
}
